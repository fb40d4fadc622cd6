// The three-way merge (DESIGN §6): concurrent inserts all kept and never nested, a text deleted
// by both sides deleted once, an insert inside the other side's deletion kept, deterministic.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mergeTexts } from './merge.ts'

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
