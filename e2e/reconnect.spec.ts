// The server dies mid-edit (SIGKILL) and comes back on the same port with the same database:
// the open editors reconnect by themselves, keep what was typed meanwhile and converge. The same
// while both people keep typing through the crash, and while one of them is offline for 20 s:
// every keystroke exactly once, in order (issue 13).

import {
  test,
  expect,
  openEditor,
  startTandem,
  uniqueDoc,
  expectConverged,
  caretToLineEnd,
  seededRandom,
  typeWordsUntil,
  type TandemServer,
} from './fixtures.ts'
import type { Browser, Page } from '@playwright/test'

test('editors reconnect after a server restart and converge without a reload', async ({
  browser,
}) => {
  test.setTimeout(120_000)
  const tandem = await startTandem()
  try {
    const doc = uniqueDoc('restart')
    const a = await openEditor(browser, tandem, doc, 'Ann')
    const b = await openEditor(browser, tandem, doc, 'Ben')
    await caretToLineEnd(a, 1)
    await a.keyboard.type('before the crash\n')
    await expectConverged([a, b], 'before the crash\n')
    await expect(a.getByTestId('saved')).toHaveAttribute('data-state', 'saved')

    const restarted = tandem.restart()
    await caretToLineEnd(b, 2)
    await b.keyboard.type('typed while it was down')
    await restarted
    await expect(a.getByTestId('connection')).toHaveAttribute('data-state', 'connected', {
      timeout: 45_000,
    })
    await expect(b.getByTestId('connection')).toHaveAttribute('data-state', 'connected', {
      timeout: 45_000,
    })
    await caretToLineEnd(a, 1)
    await a.keyboard.type(' and after')
    await expectConverged([a, b], 'before the crash and after\ntyped while it was down')
    await expect(b.getByTestId('saved')).toHaveAttribute('data-state', 'saved')
    await a.context().close()
    await b.context().close()
  } finally {
    await tandem.stop()
  }
})

/**
 * Where Ann and Ben type: on lines 1 and 2; both on line 1 ("A: <Ann's> B: <Ben's>"); or both at
 * the end of "=" (the same spot: there the check is per character, Ann's and Ben's alphabets
 * being disjoint, and per word, since no word may be split by the other's letters).
 */
type Layout = 'own lines' | 'one line' | 'same spot'

// Ann: "a" and lowercase digits, then a space; Ben: "B" and uppercase digits, then "_".
const annWord = (i: number) => `a${[...String(i)].map((d) => 'abcdefghij'[+d]).join('')} `
const benWord = (i: number) => `B${[...String(i)].map((d) => 'ABCDEFGHIJ'[+d]).join('')}_`

/** Ann's words and Ben's words, each whole and in order, around one "=": or why not. */
function sameSpotProblem(text: string, annTyped: string, benTyped: string): string | null {
  if (text.split('=').length !== 2 || !text.startsWith('=')) return 'the "=" is not once, first'
  if (text.replace(/[^a-j ]/g, '') !== annTyped) return "Ann's characters are not hers, once"
  if (text.replace(/[^A-J_]/g, '') !== benTyped) return "Ben's characters are not his, once"
  const words = text.slice(1).match(/a[a-j]* |B[A-J]*_/g) ?? []
  if (words.join('') !== text.slice(1)) return 'a word is split by the other person'
  return null
}

/**
 * Ann and Ben on one document, typing words at human speed where `layout` puts them, until
 * `during(ann, ben)` has run and `afterMs` more have passed; then both texts must hold exactly
 * Ann's words and Ben's words, each where its author typed it.
 */
async function typeThrough(
  browser: Browser,
  tandem: TandemServer,
  layout: Layout,
  seed: number,
  during: (ann: Page, ben: Page) => Promise<void>,
  afterMs: number,
): Promise<void> {
  const doc = uniqueDoc(layout.replace(' ', '-'))
  const ann = await openEditor(browser, tandem, doc, 'Ann')
  const ben = await openEditor(browser, tandem, doc, 'Ben')
  const base = { 'own lines': '\n', 'one line': 'A: B: ', 'same spot': '=' }[layout]
  await caretToLineEnd(ann, 1)
  await ann.keyboard.type(base)
  await expectConverged([ann, ben], base)
  if (layout === 'own lines') {
    await caretToLineEnd(ann, 1)
    await caretToLineEnd(ben, 2)
  } else if (layout === 'same spot') {
    await caretToLineEnd(ann, 1)
    await caretToLineEnd(ben, 1)
  } else {
    await caretToLineEnd(ann, 1)
    for (let i = 0; i < 'B: '.length; i++) await ann.keyboard.press('ArrowLeft')
    await caretToLineEnd(ben, 1)
  }
  let stopped = false
  const stop = () => stopped
  const typing = Promise.all([
    typeWordsUntil(ann, annWord, stop, seededRandom(seed)),
    typeWordsUntil(ben, benWord, stop, seededRandom(seed + 1)),
  ])
  await during(ann, ben)
  await ann.waitForTimeout(afterMs)
  stopped = true
  const [annTyped, benTyped] = await typing
  for (const page of [ann, ben]) {
    await expect(page.getByTestId('connection')).toHaveAttribute('data-state', 'connected', {
      timeout: 45_000,
    })
  }
  if (layout === 'same spot') {
    const text = await expectConverged([ann, ben])
    const problem = sameSpotProblem(text, annTyped, benTyped)
    expect(problem, `${problem}: ${JSON.stringify(text)}`).toBeNull()
  } else {
    const expected =
      layout === 'own lines' ? `${annTyped}\n${benTyped}` : `A: ${annTyped}B: ${benTyped}`
    await expectConverged([ann, ben], expected)
  }
  await expect(ann.getByTestId('saved')).toHaveAttribute('data-state', 'saved')
  await expect(ben.getByTestId('saved')).toHaveAttribute('data-state', 'saved')
  await ann.context().close()
  await ben.context().close()
}

const layouts: readonly Layout[] = ['own lines', 'one line', 'same spot']

layouts.forEach((layout, index) => {
  test(`both keep typing through a server SIGKILL and restart (${layout})`, async ({ browser }) => {
    test.setTimeout(120_000)
    const tandem = await startTandem()
    try {
      const restart = async (ann: Page) => {
        await ann.waitForTimeout(2_000)
        await tandem.restart()
      }
      await typeThrough(browser, tandem, layout, 2001 + index, restart, 3_000)
    } finally {
      await tandem.stop()
    }
  })
})

// 20 s each: two layouts, once each, to keep the suite short.
;(['own lines', 'same spot'] as const).forEach((layout, index) => {
  test(`one person offline for 20 s while both type, then back (${layout})`, async ({
    browser,
    tandem,
  }) => {
    test.setTimeout(120_000)
    const offline = async (ann: Page, ben: Page) => {
      await ann.waitForTimeout(2_000)
      await ben.context().setOffline(true)
      await expect(ben.getByTestId('connection')).not.toHaveAttribute('data-state', 'connected', {
        timeout: 20_000,
      })
      await ann.waitForTimeout(20_000)
      await ben.context().setOffline(false)
    }
    await typeThrough(browser, tandem, layout, 3001 + index, offline, 3_000)
  })
})
