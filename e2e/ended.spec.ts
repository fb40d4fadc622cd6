// An administrator ends a document (POST /admin/documents/end): the editor says so in a banner
// with a Reopen button and stops editing, the embed widget's onError says so too; once the
// server accepts the name again (TANDEM_ENDED_DOCUMENT_MS, 1.5 s here), Reopen syncs again.

import { test, expect, openEditor, uniqueDoc, editorText } from './fixtures.ts'

test('an ended document shows the banner, and Reopen syncs it again', async ({
  browser,
  tandem,
}) => {
  const doc = uniqueDoc('ended')
  const page = await openEditor(browser, tandem, doc, 'Ada')
  const host = await (await browser.newContext()).newPage()
  await host.goto(`${tandem.url}/embed-demo?doc=${doc}&name=Host`)
  await expect(host.getByTestId('demo-textarea-status')).toHaveText('Connected')
  await page.locator('.cm-content').click()
  await page.keyboard.type('minutes')
  await expect(host.getByTestId('demo-textarea')).toHaveValue('minutes')

  expect(await tandem.admin('/documents/end', { file: doc })).toMatchObject({ closedViews: 2 })
  const banner = page.getByTestId('banner')
  await expect(banner).toContainText('This document was closed by an administrator')
  await expect(page.locator('body')).toHaveAttribute('data-ended', 'true')
  await expect(page.locator('.cm-content')).toHaveAttribute('contenteditable', 'false')
  await expect(host.getByTestId('demo-textarea-status')).toHaveText(
    'This document was closed by an administrator',
  )

  await expect
    .poll(async () => JSON.stringify(await tandem.admin('/status')), { timeout: 10_000 })
    .toContain('"endedDocuments":[]')
  await banner.getByRole('button', { name: 'Reopen' }).click()
  await expect(banner).toBeHidden()
  await expect(page.locator('.cm-content')).toHaveAttribute('contenteditable', 'true')
  await page.locator('.cm-content').click()
  await page.keyboard.press('Control+End')
  await page.keyboard.type(' again')
  await expect(page.locator('body')).toHaveAttribute('data-ended', 'false')
  // The server has it: a new editor loads the text typed after Reopen.
  const later = await openEditor(browser, tandem, doc, 'Grace')
  await expect.poll(() => editorText(later)).toBe('minutes again')
  await later.context().close()
  // The widget was not reopened: it keeps the text it had.
  await expect(host.getByTestId('demo-textarea')).toHaveValue('minutes')
  await host.context().close()
  await page.context().close()
})
