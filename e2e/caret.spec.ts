// The caret stays where its owner left it while someone else types above it (mobwrite-notes §3.6),
// and two people typing at the same caret at once each keep their run whole (issue 13: "one" and
// "alpha" came out as "oanlepha"; "Hello one alpworldonealpha world" was seen).

import {
  test,
  expect,
  openEditor,
  uniqueDoc,
  expectConverged,
  caretToLineEnd,
  editorCaret,
  editorText,
  seededRandom,
  typeLikeHuman,
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

// Two people put the caret at the same spot (between "Hello " and "world") and type at once at
// human speed. Each one's run must come out whole, wholly before or after the other's (never
// between its letters), every base character once: exactly one of two texts.
const sameSpotRuns: ReadonlyArray<readonly [string, string]> = [
  ['one ', 'alpha '],
  ['one two three ', 'alpha beta gamma '],
  ['one ', 'alpha '],
  ['one two three ', 'alpha beta gamma '],
  ['one ', 'alpha '],
]

sameSpotRuns.forEach(([first, second], index) => {
  const run = index + 1
  test(`two people type at the same caret at once; both runs stay whole (run ${run})`, async ({
    browser,
    tandem,
  }) => {
    const doc = uniqueDoc(`samecaret${run}`)
    const ann = await openEditor(browser, tandem, doc, 'Ann')
    const ben = await openEditor(browser, tandem, doc, 'Ben')
    await caretToLineEnd(ann, 1)
    await ann.keyboard.type('Hello world')
    await expectConverged([ann, ben], 'Hello world')
    for (const page of [ann, ben]) {
      await caretToLineEnd(page, 1)
      await page.keyboard.press('Home')
      for (let i = 0; i < 'Hello '.length; i++) await page.keyboard.press('ArrowRight')
      expect(await editorCaret(page)).toBe('Hello '.length)
    }
    await Promise.all([
      typeLikeHuman(ann, first, seededRandom(run * 2)),
      typeLikeHuman(ben, second, seededRandom(run * 2 + 1)),
    ])
    const text = await expectConverged([ann, ben])
    const whole = [`Hello ${first}${second}world`, `Hello ${second}${first}world`]
    expect(whole.includes(text), `converged to ${JSON.stringify(text)}`).toBe(true)
    await ann.context().close()
    await ben.context().close()
  })
})
