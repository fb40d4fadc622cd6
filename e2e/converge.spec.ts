// Two and three people type into the same document at the same moment; every editor ends with
// every keystroke, in order, and the same text.

import { test, expect, openEditor, uniqueDoc, expectConverged, caretToLineEnd } from './fixtures.ts'
import type { Browser, Page } from '@playwright/test'
import type { TandemServer } from './fixtures.ts'

// Letters, digits and spaces only: basicSetup closes brackets and quotes as you type.
function phrase(who: string, words: number): string {
  return Array.from({ length: words }, (_, i) => `${who}${i}`).join(' ')
}

async function typeTogether(
  browser: Browser,
  tandem: TandemServer,
  count: number,
  words: number,
): Promise<void> {
  const doc = uniqueDoc(`converge${count}`)
  const pages: Page[] = []
  for (let i = 0; i < count; i++)
    pages.push(await openEditor(browser, tandem, doc, `Typist ${i + 1}`))
  // One line per person, so each one's keystrokes must come out contiguous.
  await caretToLineEnd(pages[0]!, 1)
  await pages[0]!.keyboard.type('\n'.repeat(count - 1))
  await expectConverged(pages, '\n'.repeat(count - 1))

  const phrases = pages.map((_, i) => phrase(String.fromCharCode(97 + i), words))
  await Promise.all(
    pages.map(async (page, i) => {
      await caretToLineEnd(page, i + 1)
      await page.keyboard.type(phrases[i]!, { delay: 15 })
    }),
  )
  await expectConverged(pages, phrases.join('\n'))
  for (const page of pages) {
    await expect(page.getByTestId('saved')).toHaveAttribute('data-state', 'saved')
    await page.context().close()
  }
}

test('two people type at once and converge with no lost keystrokes', async ({
  browser,
  tandem,
}) => {
  await typeTogether(browser, tandem, 2, 25)
})

test('three people type at once and converge with no lost keystrokes', async ({
  browser,
  tandem,
}) => {
  await typeTogether(browser, tandem, 3, 20)
})

test('two people type into the same line and keep every character', async ({ browser, tandem }) => {
  const doc = uniqueDoc('sameline')
  const a = await openEditor(browser, tandem, doc, 'Ann')
  const b = await openEditor(browser, tandem, doc, 'Ben')
  await caretToLineEnd(a, 1)
  await caretToLineEnd(b, 1)
  await Promise.all([
    a.keyboard.type('aaaaaaaaaaaaaaaaaaaa', { delay: 10 }),
    b.keyboard.type('bbbbbbbbbbbbbbbbbbbb', { delay: 10 }),
  ])
  const text = await expectConverged([a, b])
  expect(text.replace(/b/g, '')).toBe('a'.repeat(20))
  expect(text.replace(/a/g, '')).toBe('b'.repeat(20))
  await a.context().close()
  await b.context().close()
})

test('two tabs of the same browser edit one document', async ({ browser, tandem }) => {
  const doc = uniqueDoc('tabs')
  const first = await openEditor(browser, tandem, doc, 'Tabby')
  const second = await first.context().newPage()
  await second.goto(`${tandem.url}/d/${doc}`)
  await expect(second.locator('body')).toHaveAttribute('data-loaded', 'true')
  await caretToLineEnd(first, 1)
  await first.keyboard.type('from tab one ')
  await expectConverged([first, second], 'from tab one ')
  await caretToLineEnd(second, 1)
  await second.keyboard.type('and tab two')
  await expectConverged([first, second], 'from tab one and tab two')
  await first.context().close()
})
