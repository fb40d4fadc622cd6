// The server → client diff cache: a remembered delta is the one a fresh diff gives, for the same
// pair of texts whether or not they are the same string objects.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { fromDelta, toDelta } from '../../shared/mobwrite/delta.ts'
import { diffHunks } from '../../shared/sync/diff.ts'
import { deltaBetween } from './engine-diffs.ts'

test('a cached delta turns the shadow into the text, as a fresh diff does', () => {
  const base = 'lorem ipsum dolor '.repeat(500)
  const texts = Array.from({ length: 12 }, (_, i) => base.slice(0, 40 * i) + `edit ${i} ` + base)
  for (const round of [0, 1]) {
    for (let i = 1; i < texts.length; i++) {
      // Copies on the second round: equal texts that are not the same strings still hit.
      const from = round === 0 ? texts[i - 1]! : [...texts[i - 1]!].join('')
      const to = texts[i]!
      const delta = deltaBetween(from, to, 0.1)
      assert.equal(delta, toDelta(from, diffHunks(from, to, { timeoutSec: 0.1 })))
      const applied = fromDelta(from, delta)
      assert.equal(applied.ok && applied.value.text, to)
    }
  }
  assert.equal(deltaBetween('', '', 0.1), '')
})
