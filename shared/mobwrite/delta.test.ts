// Golden vectors for deltas and their escaping (mobwrite-notes §1.6): lengths in UTF-16 code
// units, encodeURI with literal spaces out, full percent-decoding in, `+` literal, and diffs
// that never split a surrogate pair.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { diffHunks } from '../sync/diff.ts'
import { applyHunks, fromDelta, toDelta } from './delta.ts'
import { decodeText, encodeText } from './escape.ts'

const golden: [base: string, next: string, delta: string][] = [
  ['', '', ''],
  ['abc', 'abc', '=3'],
  ['jumped', 'jumping', '=4\t-2\t+ing'],
  [
    '',
    "A-Z a-z 0-9 - _ . ! ~ * ' ( ) ; / ? : @ & = + $ , # %\t\n",
    "+A-Z a-z 0-9 - _ . ! ~ * ' ( ) ; / ? : @ & = + $ , # %25%09%0A",
  ],
  ['a b', 'a+b', '=1\t-1\t++\t=1'],
  ['x', 'x\u0000\r\n', '=1\t+%00%0D%0A'],
  ['ab', 'a😀b', '=1\t+%F0%9F%98%80\t=1'],
  ['a😀b', 'ab', '=1\t-2\t=1'],
  ['a😀b', 'a😁b', '=1\t-2\t+%F0%9F%98%81\t=1'],
  ['😀😀', '😀x😀', '=2\t+x\t=2'],
  ['día', 'días', '=3\t+s'],
  ['tab', 'ta\tb', '=2\t+%09\t=1'],
]

test('diff + toDelta give the golden deltas; fromDelta reads them back', () => {
  for (const [base, next, delta] of golden) {
    const hunks = diffHunks(base, next, { timeoutSec: 1 })
    assert.equal(toDelta(base, hunks), delta, `${JSON.stringify(base)} → ${JSON.stringify(next)}`)
    const back = fromDelta(base, delta)
    assert.ok(back.ok)
    assert.equal(back.value.text, next)
    assert.equal(applyHunks(base, back.value.hunks), next)
  }
})

test('a diff never splits a surrogate pair, so its delta always encodes', () => {
  // dmp's raw diff here is [[0,"a\ud83d"],[-1,"\ude00"],[1,"\ude01"],[0,"b"]] (§1.6).
  const pairs = ['😀', '😁', '🙂', '𝄞', '\u{10FFFF}', '\u{1F1E6}\u{1F1E8}']
  for (const a of pairs) {
    for (const b of pairs) {
      const base = `x${a}y${a}${b}`
      const next = `x${b}y${b}${a}`
      const hunks = diffHunks(base, next, { timeoutSec: 1 })
      for (const h of hunks) {
        for (const edge of [h.start, h.end]) {
          const c = base.charCodeAt(edge)
          assert.ok(!(c >= 0xdc00 && c <= 0xdfff && edge > 0), `edge ${edge} splits a pair`)
        }
      }
      const delta = toDelta(base, hunks)
      const back = fromDelta(base, delta)
      assert.ok(back.ok && back.value.text === next)
    }
  }
})

test('inserts decode every %XX (Python unquote), keep + literal, and fail on bad escapes', () => {
  assert.deepEqual(decodeText('%23%24%26%2B%2C%2F%3A%3B%3D%3F%40'), {
    ok: true,
    value: '#$&+,/:;=?@',
  })
  assert.deepEqual(decodeText('a+b c'), { ok: true, value: 'a+b c' })
  for (const bad of ['%', '%Z1', '%E3%81', '%C0%AF', '%ED%A0%BD', '%FF']) {
    assert.equal(decodeText(bad).ok, false, bad)
  }
  assert.equal(encodeText('a\ud800b'), 'a%EF%BF%BDb')
})

test('fromDelta reports, never throws: tokens, counts, lengths, split pairs', () => {
  const cases: [base: string, delta: string, message: RegExp][] = [
    ['abc', '=2', /does not equal source text length \(3\)/],
    ['abc', '=4', /exceeds source text length/],
    ['abc', '-1\t-1\t-2', /exceeds/],
    ['abc', '?3', /Invalid delta token/],
    ['abc', '=x', /Invalid delta token/],
    ['abc', '=-3', /Invalid delta token/],
    ['abc', '=3\t+%G0', /Invalid escape/],
    ['a😀', '=2\t-1', /surrogate/],
    ['a😀', '=2\t+x\t=1', /surrogate/],
  ]
  for (const [base, delta, message] of cases) {
    const r = fromDelta(base, delta)
    assert.equal(r.ok, false, delta)
    if (!r.ok) assert.match(r.message, message, delta)
  }
  // Blank tokens (a trailing tab) are fine; so is an empty insert.
  assert.deepEqual(fromDelta('ab', '=2\t'), { ok: true, value: { text: 'ab', hunks: [] } })
})

test('a 100 KB unrelated diff is bounded by the time budget', { timeout: 20_000 }, () => {
  let a = ''
  let b = ''
  for (let i = 0; i < 100_000; i++) {
    a += String.fromCharCode(97 + ((i * 7919) % 26))
    b += String.fromCharCode(97 + ((i * 104_729 + 13) % 23))
  }
  const start = performance.now()
  const hunks = diffHunks(a, b, { timeoutSec: 0.1 })
  const ms = performance.now() - start
  assert.equal(applyHunks(a, hunks), b)
  assert.ok(ms < 3_000, `took ${ms} ms`)
})
