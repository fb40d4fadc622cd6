// The server → client delta: composed from recorded text changes, or remembered per (shadow,
// text) pair, it always turns the shadow into the text, as a fresh diff does.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createRng } from '../../e2e/bench/lib/rng.ts'
import { applyHunks, fromDelta, toDelta } from '../../shared/mobwrite/delta.ts'
import { diffHunks } from '../../shared/sync/diff.ts'
import { defaultConfig } from '../config.ts'
import { composedHunks, deltaBetween, recordChange } from './engine-diffs.ts'

const applies = (from: string, delta: string, to: string) => {
  const applied = fromDelta(from, delta)
  assert.equal(applied.ok && applied.value.text, to)
}

test('a remembered delta is the one a fresh diff gives, for equal texts too', () => {
  const base = 'lorem ipsum dolor '.repeat(500)
  const texts = Array.from({ length: 12 }, (_, i) => base.slice(0, 40 * i) + `edit ${i} ` + base)
  for (const round of [0, 1]) {
    for (let i = 1; i < texts.length; i++) {
      // Copies on the second round: equal texts that are not the same strings still hit.
      const from = round === 0 ? texts[i - 1]! : [...texts[i - 1]!].join('')
      const to = texts[i]!
      const delta = deltaBetween(from, to, 0.1)
      assert.equal(delta, toDelta(from, diffHunks(from, to, { timeoutSec: 0.1 })))
      applies(from, delta, to)
    }
  }
  assert.equal(deltaBetween('', '', 0.1), '')
})

test('recorded changes compose into the edit from any earlier text to a later one', () => {
  const rng = createRng(7)
  const pick = (n: number) => Math.floor(rng() * n)
  const pieces = ['a', 'word ', '😀', '\n', 'ü', 'longer words here ', '']
  for (let run = 0; run < 20; run++) {
    const texts = ['start 😀 of a text with some words in it '.repeat(3 + run)]
    for (let i = 0; i < 30; i++) {
      const last = texts[texts.length - 1]!
      // One to three local edits per change, at code point boundaries.
      const points = [...last]
      for (let k = 1 + pick(3); k > 0; k--) {
        const at = pick(points.length + 1)
        const cut = pick(3)
        points.splice(at, cut, ...[...pieces[pick(pieces.length)]!])
      }
      const next = points.join('')
      recordChange(last, next, 0.1, defaultConfig.sync.changeMemoryChars)
      if (next !== last) texts.push(next)
    }
    for (let k = 0; k < 10; k++) {
      const i = pick(texts.length)
      const j = i + pick(texts.length - i)
      const [from, to] = [texts[i]!, texts[j]!]
      if (i === j) continue
      const hunks = composedHunks(from, to)
      assert.ok(hunks, `revisions ${i} → ${j} compose`)
      assert.equal(applyHunks(from, hunks), to)
      applies(from, deltaBetween(from, to, 0.1), to)
    }
  }
  assert.equal(composedHunks('never recorded', 'anything'), null)
})

test('recorded changes stay within the memory limit, the oldest going first', () => {
  const texts = Array.from({ length: 6 }, (_, i) => `memory limit test ${i} `.repeat(50))
  // 0 keeps nothing: every edit is diffed.
  recordChange(texts[0]!, texts[1]!, 0.1, 0)
  assert.equal(composedHunks(texts[0]!, texts[1]!), null)
  // Room for about two texts: the newest changes compose, the oldest were dropped.
  const room = texts[0]!.length * 2
  for (let i = 1; i < texts.length; i++) recordChange(texts[i - 1]!, texts[i]!, 0.1, room)
  assert.ok(composedHunks(texts[4]!, texts[5]!))
  assert.equal(composedHunks(texts[0]!, texts[5]!), null)
})
