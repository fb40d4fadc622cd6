// Access control as people see it: a read-only badge and an editor that refuses input; errors in
// a banner that can be dismissed.

import {
  test,
  expect,
  openEditor,
  uniqueDoc,
  expectConverged,
  caretToLineEnd,
  editorText,
} from './fixtures.ts'

async function issueToken(
  cli: (...args: string[]) => Promise<string>,
  user: string,
): Promise<string> {
  const out = await cli('token', 'add', user)
  const token = out.trim().split('\n').at(-1)?.trim()
  if (!token) throw new Error(`tandem token add printed no token: ${out}`)
  return token
}

test('a read-only user sees the badge and cannot change the text', async ({ browser, tandem }) => {
  const doc = uniqueDoc('readonly')
  const user = `reader${Date.now().toString(36)}`
  const token = await issueToken(tandem.cli, user)
  await tandem.cli('grant', doc, user, 'read')

  const writer = await openEditor(browser, tandem, doc, 'Writer')
  await caretToLineEnd(writer, 1)
  await writer.keyboard.type('Only the writer writes here.')
  await expect(writer.getByTestId('saved')).toHaveAttribute('data-state', 'saved')
  await expect(writer.getByTestId('readonly-badge')).toBeHidden()

  const reader = await openEditor(browser, tandem, doc, 'Reader', { token, waitEditable: false })
  await expect(reader.getByTestId('readonly-badge')).toBeVisible()
  await expect(reader.locator('.cm-content')).toHaveAttribute('contenteditable', 'false')
  await expectConverged([writer, reader], 'Only the writer writes here.')

  await reader.locator('.cm-content').click()
  await reader.keyboard.type('sneaky')
  await writer.keyboard.type(' Still.')
  await expectConverged([writer, reader], 'Only the writer writes here. Still.')
  expect(await editorText(reader)).not.toContain('sneaky')
  await writer.context().close()
  await reader.context().close()
})

test('an unknown token is refused with an error banner that can be dismissed', async ({
  browser,
  tandem,
}) => {
  const page = await openEditor(browser, tandem, uniqueDoc('badtoken'), 'Mallory', {
    token: 'not-a-real-token',
    waitEditable: false,
  })
  const banner = page.getByTestId('banner')
  await expect(banner).toBeVisible()
  await expect(banner).toContainText(/token/i)
  await expect(page.getByTestId('connection')).toHaveAttribute('data-state', 'offline')
  await banner.getByRole('button', { name: 'Dismiss' }).click()
  await expect(banner).toBeHidden()
  await page.context().close()
})

test('a document the user may not read shows an error and no text', async ({ browser, tandem }) => {
  const doc = uniqueDoc('secret')
  await tandem.cli('grant', doc, 'anonymous', 'none')
  const page = await openEditor(browser, tandem, doc, 'Eve', { waitEditable: false })
  await expect(page.getByTestId('banner')).toBeVisible()
  expect(await editorText(page)).toBe('')
  await page.context().close()
})
