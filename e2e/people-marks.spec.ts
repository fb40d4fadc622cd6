// Issue 14 finding 11: a guest who calls themselves "alice" is not shown as the token user alice,
// in the people list or on the caret.

import { test, expect, openEditor, uniqueDoc } from './fixtures.ts'

test('guests and token users are marked apart in the people list and on carets', async ({
  browser,
  tandem,
}) => {
  const doc = uniqueDoc('marks')
  const user = `alice${Date.now().toString(36)}`
  const token = (await tandem.cli('token', 'add', user)).trim().split('\n').at(-1)?.trim()
  const verified = await openEditor(browser, tandem, doc, user, { token: token ?? '' })
  const guest = await openEditor(browser, tandem, doc, user)

  const other = (page: typeof guest) => page.getByTestId('people').locator('[data-self="false"]')
  await expect(other(verified)).toContainText(user)
  await expect(other(verified).locator('.person-badge')).toHaveText('guest')
  await expect(other(guest).locator('.person-badge')).toHaveText('✓ verified')
  await expect(verified.locator('.cm-remote-label .person-badge')).toHaveText('guest')
  await expect(guest.locator('.cm-remote-label .person-badge')).toHaveText('✓ verified')
  await guest.context().close()
  await verified.context().close()
})
