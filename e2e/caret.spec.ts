// The caret stays where its owner left it while someone else types above it (mobwrite-notes §3.6).

import {
  test,
  expect,
  openEditor,
  uniqueDoc,
  expectConverged,
  caretToLineEnd,
  editorCaret,
  editorText,
} from './fixtures.ts'

test('the caret stays put while others type above it', async ({ browser, tandem }) => {
  const doc = uniqueDoc('caret')
  const top = await openEditor(browser, tandem, doc, 'Top')
  const bottom = await openEditor(browser, tandem, doc, 'Bottom')
  await caretToLineEnd(top, 1)
  await top.keyboard.type('first line\nsecond line\nthird line')
  await expectConverged([top, bottom], 'first line\nsecond line\nthird line')

  // Bottom puts the caret after "third" and waits there; top keeps typing on line 1.
  await caretToLineEnd(bottom, 3)
  for (let i = 0; i < 5; i++) await bottom.keyboard.press('ArrowLeft')
  await caretToLineEnd(top, 1)
  await top.keyboard.type(' grows and grows', { delay: 20 })
  await expect
    .poll(() => editorText(bottom))
    .toBe('first line grows and grows\nsecond line\nthird line')
  const text = await editorText(bottom)
  expect(await editorCaret(bottom)).toBe(text.indexOf('third') + 'third'.length)

  // And typing there now lands where the user expects.
  await bottom.keyboard.type(' (mine)')
  await expectConverged([top, bottom], 'first line grows and grows\nsecond line\nthird (mine) line')
  await top.context().close()
  await bottom.context().close()
})
