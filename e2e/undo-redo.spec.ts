// Undo and redo in the editor (issue 17): Ctrl+Z undoes the user's own edits only, also after
// someone else typed, and both redo keys (Ctrl+Shift+Z and Ctrl+Y) redo them step by step
// ("one ", "", "one " was seen for Ctrl+Shift+Z: it alternated).

import {
  test,
  expect,
  openEditor,
  uniqueDoc,
  expectConverged,
  editorText,
  caretToLineEnd,
} from './fixtures.ts'

for (const redoKey of ['Control+Shift+Z', 'Control+y']) {
  test(`undo thrice, then ${redoKey} redoes step by step`, async ({ browser, tandem }) => {
    const doc = uniqueDoc('redo')
    const ann = await openEditor(browser, tandem, doc, 'Ann')
    const ben = await openEditor(browser, tandem, doc, 'Ben')
    await ben.keyboard.type('ben\n')
    await expectConverged([ann, ben], 'ben\n')
    await caretToLineEnd(ann, 2)
    for (const word of ['one ', 'two ', 'three ']) {
      await ann.keyboard.type(word)
      // Separate history events, as a person pausing between words makes.
      await ann.waitForTimeout(600)
    }
    await expectConverged([ann, ben], 'ben\none two three ')
    // Ben types meanwhile; Ann's undo leaves his text alone.
    await caretToLineEnd(ben, 1)
    await ben.keyboard.type('!')
    await expectConverged([ann, ben], 'ben!\none two three ')
    for (const expected of ['one two ', 'one ', '']) {
      await ann.keyboard.press('Control+z')
      await expect.poll(() => editorText(ann)).toBe(`ben!\n${expected}`)
      await ann.waitForTimeout(300)
    }
    for (const expected of ['one ', 'one two ', 'one two three ']) {
      await ann.keyboard.press(redoKey)
      await expect.poll(() => editorText(ann)).toBe(`ben!\n${expected}`)
      await ann.waitForTimeout(300)
    }
    await expectConverged([ann, ben], 'ben!\none two three ')
    await ann.context().close()
    await ben.context().close()
  })
}
