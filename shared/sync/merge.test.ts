// The three-way merge (DESIGN §6): concurrent inserts all kept and never nested, a text deleted
// by both sides deleted once, an insert inside the other side's deletion kept, deterministic.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mergeTexts } from './merge.ts'
import { createRng } from '../../e2e/bench/lib/rng.ts'

const merge = (base: string, first: string, second: string): string =>
  mergeTexts(base, first, second, 1)

test('inserts at different places are both applied', () => {
  assert.equal(merge('one two three', 'one 2 two three', 'one two three 4'), 'one 2 two three 4')
})

test('inserts at the same spot are kept whole, first side first, never nested', () => {
  assert.equal(merge('a c', 'a XX YY c', 'a QQ RR c'), 'a XX YY QQ RR c')
  assert.equal(merge('a c', 'a QQ RR c', 'a XX YY c'), 'a QQ RR XX YY c')
  assert.equal(merge('', 'hello', 'world'), 'helloworld')
  // Repeated context that a character diff would align across words.
  assert.equal(merge('t1 ', 't18 t1 t21 ', 't1 t5 '), 't18 t1 t21 t5 ')
})

test('the same text deleted by both sides is deleted once', () => {
  assert.equal(merge('keep drop keep', 'keep keep', 'keep keep'), 'keep keep')
  assert.equal(merge('a b c d e', 'a e', 'a b e'), 'a e')
})

test('an insert inside a range the other side deleted survives', () => {
  assert.equal(merge('one two three four', 'one four', 'one two NEW three four'), 'one NEW four')
  assert.equal(merge('one two three four', 'one two NEW three four', 'one four'), 'one NEW four')
})

test('conflicting replacements of one word keep both words', () => {
  assert.equal(merge('Good morning', 'Bad morning', 'Fine morning'), 'Bad Fine morning')
})

test('edits inside one long run (no spaces) are merged by character', () => {
  const base = '今日はとても良い天気ですね散歩に行きましょう'
  const first = base.replace('とても', 'とてもとても')
  const second = base.replace('散歩', '買い物')
  assert.equal(merge(base, first, second), '今日はとてもとても良い天気ですね買い物に行きましょう')
})

test('astral characters stay whole', () => {
  // The second 😀 of the first side is read as inserted before the old one.
  assert.equal(merge('a😀b', 'a😀😀b', 'a😁b'), 'a😁😀b')
  assert.equal(merge('😀', '😀x', 'y😀'), 'y😀x')
})

test('a side that changed nothing yields the other side', () => {
  assert.equal(merge('abc', 'abc', 'xyz'), 'xyz')
  assert.equal(merge('abc', 'xyz', 'abc'), 'xyz')
})

test('two people typing inside one word keep each letter once', () => {
  assert.equal(merge('ab', 'cabd', 'aeb'), 'caebd')
  assert.equal(merge('ab', 'aeb', 'cabd'), 'caebd')
  assert.equal(merge('今日は', '今日はね', '今X日は'), '今X日はね')
  // A character deleted by one and typed next to by the other.
  assert.equal(merge('abc', 'ac', 'abXc'), 'aXc')
})

test('a word both sides changed differently is kept twice, whole', () => {
  assert.equal(merge('say Good day', 'say Gxod day', 'say Gyod day'), 'say Gxod Gyod day')
  // An insert typed into a word the other side replaced keeps that word, not a stray letter.
  assert.equal(merge('a w2z b', 'a w12z b', 'a w5y b'), 'a w12z w5y b')
})

/** One side's edits of an ancestor: deleted positions and text inserted at gaps. */
interface Edits {
  readonly deleted: Set<number>
  readonly inserts: Map<number, string>
}

/**
 * Random ancestor of distinct letters in short words (or one run without spaces, as in CJK);
 * inserted characters are distinct too and never ancestor letters, so every character of a
 * merge tells where it came from.
 */
function randomCase(rnd: () => number) {
  const pick = (n: number): number => Math.floor(rnd() * n)
  const isRun = rnd() < 0.2
  let ancestor = ''
  for (let i = 0, n = 1 + pick(24); i < n; i++) {
    ancestor += String.fromCharCode(0x100 + i)
    if (!isRun && i < n - 1 && rnd() < 0.3) ancestor += ' '
  }
  let next = 0x4e00
  const hot = [pick(ancestor.length + 1), pick(ancestor.length + 1)]
  const side = (ops: 'insert' | 'delete' | 'both'): Edits => {
    const e: Edits = { deleted: new Set(), inserts: new Map() }
    for (let k = 0, n = 1 + pick(4); k < n; k++) {
      const at = rnd() < 0.5 ? (hot[pick(2)] as number) : pick(ancestor.length + 1)
      const isInsert = ops === 'insert' || (ops === 'both' && rnd() < 0.5)
      if (isInsert) {
        let text = ''
        for (let j = 1 + pick(3); j > 0; j--) text += String.fromCharCode(next++)
        e.inserts.set(at, (e.inserts.get(at) ?? '') + text)
      } else {
        // Letters only: a deleted space changes the word count, and words replaced by other
        // words merge as words (the weaker checks below still hold then).
        for (let j = at, end = at + 1 + pick(3); j < end && j < ancestor.length; j++)
          if (ancestor[j] !== ' ') e.deleted.add(j)
      }
    }
    return e
  }
  const modes = [
    ['insert', 'insert'],
    ['insert', 'delete'],
    ['delete', 'insert'],
    ['both', 'insert'],
    ['both', 'both'],
  ] as const
  const [a, b] = modes[pick(modes.length)] as (typeof modes)[number]
  return {
    ancestor,
    first: side(a),
    second: side(b),
  }
}

function applyEdits(ancestor: string, e: Edits): string {
  let out = ''
  for (let i = 0; i <= ancestor.length; i++) {
    out += e.inserts.get(i) ?? ''
    if (i < ancestor.length && !e.deleted.has(i)) out += ancestor[i]
  }
  return out
}

/** Whether `small` is a subsequence of `big`. */
function isSubsequence(small: string, big: string): boolean {
  let i = 0
  for (const c of big) if (c === small[i]) i++
  return i === small.length
}

test('merges keep every insert once and every ancestor letter nobody deleted, in order', () => {
  for (let seed = 1; seed <= 2_000; seed++) {
    const c = randomCase(createRng(seed))
    const first = applyEdits(c.ancestor, c.first)
    const second = applyEdits(c.ancestor, c.second)
    const out = merge(c.ancestor, first, second)
    const where = `seed ${seed}: merge(${JSON.stringify([c.ancestor, first, second])}) = ${out}`
    const isAncestor = (ch: string): boolean => ch >= '\u0100' && ch < '\u4e00'
    const kept = [...c.ancestor]
      .filter((ch, i) => ch !== ' ' && !c.first.deleted.has(i) && !c.second.deleted.has(i))
      .join('')
    const letters = [...out].filter(isAncestor).join('')
    assert.ok(isSubsequence(kept, letters), `${where}: lost or reordered ancestor text`)
    for (const text of [...c.first.inserts.values(), ...c.second.inserts.values()]) {
      for (const ch of text) assert.equal(out.split(ch).length, 2, `${where}: ${ch} not once`)
    }
    for (const run of `${first} ${second}`.split(/[^\u4e00-\u9fff]+/))
      assert.ok(out.includes(run), `${where}: inserted run ${run} broken`)
  }
})

test('inserts at one gap, or on neighbouring lines, land where they were typed, in either order', () => {
  const cases: [string, string, string, string][] = [
    // A new line typed above an empty one while another person fills the line below.
    ['\n\n', 'a0 a1\n\n', '\nb0\n', 'a0 a1\nb0\n'],
    // A word at a line's end grows while someone types on the empty line after it.
    ['a0 a\n\n', 'a0 a1\n\n', 'a0 a\nb0\n', 'a0 a1\nb0\n'],
    // A letter carrying on a word and a new word after it, typed at the same moment.
    ['one two', 'one two three', 'one twox', 'one twox three'],
    ['a\n\n', 'a\nb0\nc0', 'a0\n\n', 'a0\nb0\nc0'],
  ]
  for (const [ancestor, first, second, merged] of cases) {
    assert.equal(mergeTexts(ancestor, first, second, 0.1), merged)
    assert.equal(mergeTexts(ancestor, second, first, 0.1), merged)
  }
})
