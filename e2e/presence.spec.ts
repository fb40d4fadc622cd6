// Who is here: people appear in each other's editors with their names and leave when they go.
// Also writes the editor screenshots linked from the README.

import { test, expect, openEditor, expectConverged, caretToLineEnd } from './fixtures.ts'

const screenshots = new URL('./screenshots/', import.meta.url).pathname

test('collaborators appear with their names and leave when they close the page', async ({
  browser,
  tandem,
}) => {
  // One story per server database, so a readable name for the screenshot is safe.
  const doc = 'launch-checklist'
  const ada = await openEditor(browser, tandem, doc, 'Ada Lovelace')
  const people = ada.getByTestId('people')
  await expect(people.locator('.person')).toHaveCount(1)
  await expect(people).toContainText('Ada Lovelace (you)')

  const grace = await openEditor(browser, tandem, doc, 'Grace Hopper')
  const linus = await openEditor(browser, tandem, doc, 'Linus')
  await expect(people.locator('.person')).toHaveCount(3)
  await expect(people).toContainText('Grace Hopper')
  await expect(people).toContainText('Linus')
  await expect(grace.getByTestId('people')).toContainText('Ada Lovelace')

  // A screenshot worth showing: some text, three people, everything saved.
  await caretToLineEnd(ada, 1)
  await ada.keyboard.type('# Launch checklist\n\n- Write the announcement\n- Check the mirrors\n')
  await caretToLineEnd(grace, 5)
  await grace.keyboard.type('- Book the room for Friday\n')
  await expectConverged([ada, grace, linus])
  await expect(ada.getByTestId('saved')).toHaveAttribute('data-state', 'saved')
  await ada.screenshot({ path: `${screenshots}editor.png` })
  await ada.setViewportSize({ width: 390, height: 760 })
  await ada.screenshot({ path: `${screenshots}editor-phone.png` })

  await linus.context().close()
  await expect(people.locator('.person')).toHaveCount(2, { timeout: 30_000 })
  await expect(people).not.toContainText('Linus')
  await grace.context().close()
  await ada.context().close()
})
