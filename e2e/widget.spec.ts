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
  const notes = uniqueDoc('widget-notes')
  const title = uniqueDoc('widget-title')
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

  await host.setViewportSize({ width: 1000, height: 900 })
  await host.screenshot({ path: `${screenshots}embed-demo.png`, fullPage: true })
  await titleEditor.context().close()
  await editor.context().close()
  await host.context().close()
})
