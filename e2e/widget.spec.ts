// The embed widget on a plain host page (/embed-demo) syncs a textarea and an input with the
// editor app, both ways. Also writes the widget screenshot linked from the README.

import {
  test,
  expect,
  openEditor,
  uniqueDoc,
  expectConverged,
  caretToLineEnd,
  editorText,
} from './fixtures.ts'

const screenshots = new URL('./screenshots/', import.meta.url).pathname

test('the embed widget syncs a textarea and an input with the editor', async ({
  browser,
  tandem,
}) => {
  // One story per server database, so readable names for the screenshot are safe.
  const notes = 'team-notes'
  const title = 'team-title'
  const host = await (await browser.newContext()).newPage()
  await host.goto(`${tandem.url}/embed-demo?doc=${notes}&title=${title}&name=Host`)
  const textarea = host.getByTestId('demo-textarea')
  await expect(host.getByTestId('demo-textarea-status')).toHaveText('Connected')

  const editor = await openEditor(browser, tandem, notes, 'Editor user')
  await textarea.click()
  await textarea.pressSequentially('typed in the host page', { delay: 10 })
  await expectConverged([editor], 'typed in the host page')

  await caretToLineEnd(editor, 1)
  await editor.keyboard.type('\nand in the editor')
  await expect(textarea).toHaveValue('typed in the host page\nand in the editor')
  await expect(host.getByTestId('demo-people')).toContainText('Editor user')

  const titleEditor = await openEditor(browser, tandem, title, 'Title editor')
  await host.getByTestId('demo-input').fill('Quarterly plan')
  await expect.poll(() => editorText(titleEditor)).toBe('Quarterly plan')

  // A contenteditable element shares the same way.
  const summary = 'team-summary'
  await host.goto(
    `${tandem.url}/embed-demo?doc=${notes}&title=${title}&summary=${summary}&name=Host`,
  )
  await expect(host.getByTestId('demo-editable-status')).toHaveText('Connected')
  await expect(textarea).toHaveValue('typed in the host page\nand in the editor')
  const summaryEditor = await openEditor(browser, tandem, summary, 'Summary editor')
  await host.getByTestId('demo-editable').click()
  await host.keyboard.type('one line summary')
  await expectConverged([summaryEditor], 'one line summary')
  await caretToLineEnd(summaryEditor, 1)
  await summaryEditor.keyboard.type(', edited')
  await expect(host.getByTestId('demo-editable')).toHaveText('one line summary, edited')
  await summaryEditor.context().close()

  await host.setViewportSize({ width: 1000, height: 900 })
  await host.screenshot({ path: `${screenshots}embed-demo.png`, fullPage: true })
  await titleEditor.context().close()
  await editor.context().close()
  await host.context().close()
})

test('the caret in a shared textarea stays put while the editor types above it', async ({
  browser,
  tandem,
}) => {
  const notes = uniqueDoc('widget-caret')
  const host = await (await browser.newContext()).newPage()
  await host.goto(
    `${tandem.url}/embed-demo?doc=${notes}&title=${uniqueDoc('t')}&summary=${uniqueDoc('s')}`,
  )
  const textarea = host.getByTestId('demo-textarea')
  await expect(host.getByTestId('demo-textarea-status')).toHaveText('Connected')
  await textarea.click()
  await textarea.pressSequentially('top\nmine')
  const editor = await openEditor(browser, tandem, notes, 'Above')
  await expectConverged([editor], 'top\nmine')
  // Caret after "mi" in the host's second line.
  await textarea.press('ArrowLeft')
  await textarea.press('ArrowLeft')
  await caretToLineEnd(editor, 1)
  await editor.keyboard.type(' of the page', { delay: 20 })
  await expect(textarea).toHaveValue('top of the page\nmine')
  const caret = await textarea.evaluate((el: HTMLTextAreaElement) => el.selectionStart)
  expect(caret).toBe('top of the page\nmi'.length)
  await textarea.pressSequentially('X')
  await expectConverged([editor], 'top of the page\nmiXne')
  await editor.context().close()
  await host.context().close()
})
