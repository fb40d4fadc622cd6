// An administrator ends a document (POST /admin/documents/end): the editor says so in a banner
// with a Reopen button and stops editing; Reopen tries again (still ended: the banner returns).

import { test, expect, openEditor, uniqueDoc, editorText } from './fixtures.ts'

test('an ended document shows the banner with Reopen', async ({ browser, tandem }) => {
  const doc = uniqueDoc('ended')
  const page = await openEditor(browser, tandem, doc, 'Ada')
  await page.locator('.cm-content').click()
  await page.keyboard.type('minutes')
  await expect(page.getByTestId('saved')).toHaveAttribute('data-state', 'saved')

  expect(await tandem.admin('/documents/end', { file: doc })).toEqual({
    closedViews: 1,
    notifiedSessions: 1,
  })
  const banner = page.getByTestId('banner')
  await expect(banner).toBeVisible()
  await expect(banner).toContainText('This document was closed by an administrator')
  await expect(page.locator('body')).toHaveAttribute('data-ended', 'true')
  await expect(page.locator('.cm-content')).toHaveAttribute('contenteditable', 'false')
  expect(await editorText(page)).toBe('minutes')

  // Within ops.endedDocumentMs the server still refuses it: Reopen leads back to the banner.
  await banner.getByRole('button', { name: 'Reopen' }).click()
  await expect(page.locator('body')).toHaveAttribute('data-ended', 'true')
  await expect(banner).toContainText('closed by an administrator')
  await page.context().close()
})
