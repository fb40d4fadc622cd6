// The start page: open (and so create) a document by name, find it in the list afterwards.

import { test, expect, uniqueDoc } from './fixtures.ts'

test('the start page opens a new document and lists it afterwards', async ({ browser, tandem }) => {
  const context = await browser.newContext()
  await context.addInitScript(() => localStorage.setItem('tandem.name', 'Homer'))
  const page = await context.newPage()
  await page.goto(tandem.url)
  const name = uniqueDoc('home')
  const input = page.getByTestId('doc-name')
  await input.fill('bad name with spaces')
  await input.press('Enter')
  await expect(page.getByTestId('doc-name-error')).toBeVisible()
  await input.fill(name)
  await input.press('Enter')
  await expect(page).toHaveURL(`${tandem.url}/d/${name}`)
  await expect(page.getByTestId('doc-title')).toHaveText(name)
  await expect(page.locator('body')).toHaveAttribute('data-loaded', 'true')
  await page.locator('.cm-content').click()
  await page.keyboard.type('hello')
  await expect(page.getByTestId('saved')).toHaveAttribute('data-state', 'saved')

  await page.getByRole('link', { name: 'Tandem: all documents' }).click()
  const row = page.getByTestId('doc-list').getByRole('link', { name })
  await expect(row).toBeVisible()
  await row.click()
  await expect(page).toHaveURL(`${tandem.url}/d/${name}`)
  await context.close()
})
