import { test } from 'node:test'
import assert from 'node:assert/strict'
import { applyChanges, computeChanges, mapPosition } from './text-changes.ts'

test('computeChanges turns the old text into the new one', () => {
  const pairs: [string, string][] = [
    ['', ''],
    ['', 'abc'],
    ['abc', ''],
    ['hello world', 'hello brave new world'],
    ['one\ntwo\nthree', 'zero\none\ntwo and a half\nthree'],
    ['a😀b', 'a😁b'],
  ]
  for (const [a, b] of pairs) assert.equal(applyChanges(a, computeChanges(a, b)), b)
})

test('computeChanges keeps edits apart so a caret between them can stay put', () => {
  const changes = computeChanges('top\nmiddle\nbottom', 'TOP!\nmiddle\nbottom?')
  assert.ok(changes.length >= 2, JSON.stringify(changes))
  // A caret after "mid" (offset 7) moves by what was inserted above it, nothing more.
  assert.equal(mapPosition(changes, 7), 8)
})

test('mapPosition: insertion at the position respects assoc, deletions collapse', () => {
  const insert = [{ from: 3, to: 3, insert: 'XY' }]
  assert.equal(mapPosition(insert, 3, -1), 3)
  assert.equal(mapPosition(insert, 3, 1), 5)
  assert.equal(mapPosition(insert, 2), 2)
  assert.equal(mapPosition(insert, 4), 6)
  const replace = [{ from: 2, to: 6, insert: 'z' }]
  assert.equal(mapPosition(replace, 4), 2)
  assert.equal(mapPosition(replace, 6), 3)
  assert.equal(mapPosition(replace, 9), 6)
})
