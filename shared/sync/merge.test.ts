// The three-way merge (DESIGN §6, merge.ts): its contract checked per character by fast-check
// on random edits of texts whose characters are all unique, exactly (merge3 with the hunks as
// modelled) and through the refined diff (mergeTexts from the texts alone); then the cases a
// person can read. TANDEM_PROPERTY_RUNS raises the number of cases.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { applyHunks } from '../mobwrite/delta.ts'
import { hunksOf } from './changes.ts'
import { applyModel, contractViolation, modelHunks, type SideModel } from './merge-contract.ts'
import { editHunks, merge3, mergedText, mergeTexts, refineEdit } from './merge.ts'

const runs = Number(process.env.TANDEM_PROPERTY_RUNS ?? 0) || 4000

// Unique characters: ancestor letters (Latin Extended), ancestor separators (arrows: not word
// characters), and each side's typed letters from a range of its own.
const ancestorLetter = (i: number): string => String.fromCharCode(0x100 + i)
const separator = (i: number): string => String.fromCharCode(0x2190 + i)
const typed = (side: number, i: number): string => String.fromCharCode(0x4e00 + side * 0x1000 + i)

/** An ancestor of unique characters: words of 1–4 letters between single separators. */
const ancestorArb = fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 12 }).map((words) => {
  let text = ''
  let letters = 0
  words.forEach((n, w) => {
    if (w > 0) text += separator(w)
    for (let k = 0; k < n; k++) text += ancestorLetter(letters++)
  })
  return text
})

/** Any edit of `ancestor` by side `side`: deletions anywhere, runs inserted at any gaps. */
function anyEdit(ancestor: string, side: number): fc.Arbitrary<SideModel> {
  const n = ancestor.length
  return fc
    .record({
      deleted: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
      inserts: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: n + 1, maxLength: n + 1 }),
    })
    .map(({ deleted, inserts }) => {
      let next = 0
      const map = new Map<number, string>()
      inserts.forEach((len, gap) => {
        let run = ''
        for (let k = 0; k < len; k++) run += typed(side, next++)
        if (run) map.set(gap, run)
      })
      return { deleted: new Set(deleted.flatMap((d, p) => (d ? [p] : []))), inserts: map }
    })
}

/**
 * Edits a diff reads back as they were made: sites at least 5 kept characters apart and from
 * the ends (more than any edit is long, so semantic cleanup keeps them apart), each an
 * insertion of 1–4 new characters, a deletion of 1–4 characters, or a whole word replaced by
 * new characters (inside a word, a diff cannot tell a replacement from an edit).
 */
function separatedEdit(ancestor: string, side: number): fc.Arbitrary<SideModel> {
  const site = fc.record({
    skip: fc.integer({ min: 5, max: 9 }),
    kind: fc.constantFrom('insert', 'delete', 'replace'),
    size: fc.integer({ min: 1, max: 4 }),
  })
  const isLetter = (p: number): boolean => /\p{L}/u.test(ancestor[p] ?? '')
  return fc.array(site, { maxLength: 4 }).map((sites) => {
    const deleted = new Set<number>()
    const inserts = new Map<number, string>()
    let next = 0
    const newRun = (n: number): string => {
      let run = ''
      for (let j = 0; j < n; j++) run += typed(side, next++)
      return run
    }
    let p = 0
    for (const s of sites) {
      p += s.skip
      let cut = s.kind === 'delete' ? s.size : 0
      if (s.kind === 'replace') {
        while (isLetter(p - 1)) p++
        while (isLetter(p + cut)) cut++
      }
      // Kept stretches of 5 or more at both ends too.
      if (p + cut + 5 > ancestor.length) break
      for (let j = 0; j < cut; j++) deleted.add(p + j)
      if (s.kind !== 'delete') inserts.set(p, newRun(s.size))
      p += cut
    }
    return { deleted, inserts }
  })
}

const caseOf = (edit: (a: string, side: number) => fc.Arbitrary<SideModel>) =>
  ancestorArb.chain((ancestor) =>
    fc.tuple(fc.constant(ancestor), edit(ancestor, 0), edit(ancestor, 1)),
  )

test('merge3 keeps the contract per character for any two exact edits', () => {
  fc.assert(
    fc.property(caseOf(anyEdit), ([ancestor, e, i]) => {
      const merged = merge3(ancestor, modelHunks(ancestor, e), modelHunks(ancestor, i))
      assert.equal(contractViolation(ancestor, [e, i], merged.text), null)
      // The change from each side's text to the result is exact.
      const eText = applyModel(ancestor, e)
      const iText = applyModel(ancestor, i)
      assert.equal(applyHunks(eText, hunksOf(eText, merged.toEstablished)), merged.text)
      assert.equal(applyHunks(iText, hunksOf(iText, merged.toIncoming)), merged.text)
    }),
    { numRuns: runs },
  )
})

test('mergeTexts keeps the contract from the texts alone when the edits read back', () => {
  fc.assert(
    fc.property(caseOf(separatedEdit), ([ancestor, e, i]) => {
      const eText = applyModel(ancestor, e)
      const iText = applyModel(ancestor, i)
      const merged = mergeTexts(ancestor, eText, iText, 1).text
      assert.equal(contractViolation(ancestor, [e, i], merged), null)
      assert.equal(mergedText(ancestor, eText, iText, 1), merged)
    }),
    { numRuns: runs },
  )
})

test('a refined edit never re-types a character its author kept', () => {
  // One coarse hunk over the whole text (as the original client's semantic cleanup may send a
  // stretch): refinement finds every kept character again.
  fc.assert(
    fc.property(caseOf(separatedEdit), ([ancestor, e]) => {
      const text = applyModel(ancestor, e)
      if (!ancestor || !text) return
      const coarse = [{ start: 0, end: ancestor.length, text }]
      const refined = refineEdit(ancestor, coarse, 1)
      assert.equal(applyHunks(ancestor, refined), text)
      for (const h of refined) for (const c of h.text) assert.ok(!ancestor.includes(c), c)
    }),
    { numRuns: runs },
  )
})

const merge = (ancestor: string, established: string, incoming: string): string =>
  mergedText(ancestor, established, incoming, 0.1)

test('both replacements of one word stay whole, the separators once', () => {
  // server.xml "Conflicting merge": the deltas replace "Hello" whole. Never "Goodbye My world"
  // (the ancestor's space twice), never a letter of one word lost to the other's deletion.
  const replace = (ancestor: string, end: number, text: string) =>
    refineEdit(ancestor, [{ start: 0, end, text }], 0.1)
  const hello = 'Hello world'
  assert.equal(
    merge3(hello, replace(hello, 5, 'Goodbye'), replace(hello, 5, 'My')).text,
    'MyGoodbye world',
  )
  assert.equal(
    merge3(hello, replace(hello, 5, 'My'), replace(hello, 5, 'Goodbye')).text,
    'GoodbyeMy world',
  )
  const good = 'Good morning'
  assert.equal(
    merge3(good, replace(good, 4, 'Bad'), replace(good, 4, 'Fine')).text,
    'FineBad morning',
  )
})

test('two runs typed at one caret never interleave, however the syncs cut them', () => {
  // A's "o" is in; B's "al" arrives from before it and goes first; A's "ne" carries on its "o".
  const m1 = merge('Hello world', 'Hello oworld', 'Hello alworld')
  assert.equal(m1, 'Hello aloworld')
  assert.equal(merge('Hello oworld', m1, 'Hello oneworld'), 'Hello aloneworld')
  // The same with B's run arriving while A's is half in, the other way round.
  assert.equal(merge('Hello alworld', 'Hello aloworld', 'Hello alphaworld'), 'Hello alphaoworld')
})

test('typing inside a word the other side edits lands inside it, each letter once', () => {
  assert.equal(merge('ab', 'cabd', 'aeb'), 'caebd')
  assert.equal(merge('ab', 'aeb', 'cabd'), 'caebd')
  assert.equal(merge('Hello world', 'Hallo world', 'Hellxo world'), 'Hallxo world')
  assert.equal(merge('abc', 'ac', 'abXc'), 'aXc')
  // A letter carrying on a word goes before a new word typed at the same gap, either way.
  assert.equal(merge('one two', 'one two three', 'one twox'), 'one twox three')
  assert.equal(merge('one two', 'one twox', 'one two three'), 'one twox three')
})

test('a replacement stands where the text it replaced was', () => {
  assert.equal(merge('one two', 'one x two', 'one 2'), 'one x 2')
  assert.equal(merge('one two', 'one 2', 'one x two'), 'one x 2')
})

test('deleted text stays deleted, by both or by one', () => {
  assert.equal(merge('keep drop keep', 'keep keep', 'keep keep'), 'keep keep')
  assert.equal(merge('a b c d e', 'a e', 'a b e'), 'a e')
  assert.equal(merge('one two three four', 'one four', 'one two NEW three four'), 'one NEW four')
  assert.equal(merge('one two three four', 'one two NEW three four', 'one four'), 'one NEW four')
})

test('a delta replacing a word is not matched by the letters the words share', () => {
  // "-5 +Goodbye" over "Hello" shares an "o" and an "e"; it stays one replacement.
  assert.deepEqual(refineEdit('Hello world', [{ start: 0, end: 5, text: 'Goodbye' }], 0.1), [
    { start: 0, end: 5, text: 'Goodbye' },
  ])
  // A coarse delta that kept most of what it replaces is split into what was typed.
  assert.deepEqual(refineEdit('Hello world', [{ start: 0, end: 5, text: 'Hellxo' }], 0.1), [
    { start: 4, end: 4, text: 'x' },
  ])
})

test('from texts alone a letter the texts show as kept is kept, so no deletion comes back', () => {
  // B typed 가 before "abc" and deleted "ab" (or replaced "abc" by "가c": the texts cannot
  // tell); A replaced "abc". "c" is deleted by A and stays deleted.
  assert.equal(merge('abc', '一', '가c'), '가一')
  // Letters typed around a kept one are two insertions, not a replacement of it.
  assert.deepEqual(editHunks('abc', 'aXbYc', 0.1), [
    { start: 1, end: 1, text: 'X' },
    { start: 2, end: 2, text: 'Y' },
  ])
})

test('astral characters and line breaks stay whole', () => {
  assert.equal(merge('a😀b', 'a😀😀b', 'a😁b'), 'a😁😀b')
  assert.equal(merge('😀', '😀x', 'y😀'), 'y😀x')
  assert.equal(merge('a\n\n', 'a\nb0\nc0', 'a0\n\n'), 'a0\nb0\nc0')
})

test('a side that changed nothing yields the other side', () => {
  assert.equal(merge('abc', 'abc', 'xyz'), 'xyz')
  assert.equal(merge('abc', 'xyz', 'abc'), 'xyz')
})

test('coarse deltas around one space keep it once and a replaced letter replaced', () => {
  // server/test/sync-property.test.ts found it: A typed "一 " before "bc" and replaced "a" by
  // "丁" (sent as -2 +丁 一 ), B typed 가 first and deleted "bc" (sent as -4 +가a ).
  const ancestor = 'a bc'
  const a = refineEdit(ancestor, [{ start: 0, end: 2, text: '丁 一 ' }], 0.1)
  const b = refineEdit(ancestor, [{ start: 0, end: 4, text: '가a ' }], 0.1)
  assert.equal(merge3(ancestor, a, b).text, '가丁 一 ')
  // Typing a word into a word splits it; it does not replace it.
  assert.deepEqual(editHunks('alphoneworld', 'alpha oneworld', 0.1), [
    { start: 4, end: 4, text: 'a ' },
  ])
})
