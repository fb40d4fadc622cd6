// Hostile input: garbage, wrong versions, broken deltas and escapes, unrelated 100 KB texts
// (bounded by Diff_Timeout) and 1 MB texts. Nothing may throw; bad edits become raw resyncs.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ErrorCode } from '../../shared/errors.ts'
import { EngineHarness } from './engine-harness.ts'
import { createRng } from '../../e2e/bench/lib/rng.ts'

test('random garbage never throws and never creates state without user and file', () => {
  const rnd = createRng(7)
  const s = new EngineHarness()
  const alphabet = 'uUfFdDrRnNbBmxXhHCEO:0123456789\t\r\n %+-=ab😀\u0000'
  for (let i = 0; i < 2_000; i++) {
    let text = ''
    const n = Math.floor(rnd() * 60)
    for (let j = 0; j < n; j++) text += alphabet[Math.floor(rnd() * alphabet.length)]
    assert.doesNotThrow(() => s.run(text + (rnd() < 0.5 ? '\n\n' : '')), JSON.stringify(text))
  }
})

test('mismatched delta lengths, bad tokens and bad escapes are reported as resyncs', () => {
  const cases: [delta: string, code: ErrorCode][] = [
    ['=3', ErrorCode.ERR_DELTA_MISMATCH],
    ['=9', ErrorCode.ERR_DELTA_MISMATCH],
    ['-2\t=1', ErrorCode.ERR_DELTA_MISMATCH],
    ['*4', ErrorCode.ERR_DELTA_MISMATCH],
    ['=-1\t=5', ErrorCode.ERR_DELTA_MISMATCH],
    ['=1.5\t=3', ErrorCode.ERR_DELTA_MISMATCH],
    ['=4\t+%ZZ', ErrorCode.ERR_DELTA_MISMATCH],
    ['=4\t+%E3%81', ErrorCode.ERR_DELTA_MISMATCH],
    ['=4\t+%ED%A0%BD', ErrorCode.ERR_DELTA_MISMATCH],
  ]
  for (const [delta, code] of cases) {
    const s = new EngineHarness()
    s.say('u:a / F:0:t / r:1:abcd')
    const r = s.run(`u:a\nF:1:t\nd:1:${delta}\n\n`)
    assert.equal(r.answer, 'F:2:t\nR:1:abcd\n', delta)
    assert.equal(r.resyncs[0]?.code, code, delta)
    assert.equal(s.text('t'), 'abcd')
  }
})

test('a delta that would split a surrogate pair is refused; raw text with a bad escape too', () => {
  const s = new EngineHarness()
  s.say('u:a / F:0:t / r:1:a%F0%9F%98%80b')
  const split = s.run('u:a\nF:1:t\nd:1:=2\t-2\t+x\n\n')
  assert.match(split.resyncs[0]?.message ?? '', /surrogate/)
  assert.equal(s.text('t'), 'a😀b')
  const raw = s.run('u:b\nF:0:t\nR:1:%C0%AF\n\n')
  assert.equal(raw.resyncs[0]?.code, ErrorCode.ERR_DELTA_INVALID)
  assert.equal(raw.answer, 'F:0:t\nR:0:a%F0%9F%98%80b\n')
  assert.equal(s.text('t'), 'a😀b')
})

test('wrong versions: huge, negative and non-numeric versions are skipped or resynced', () => {
  const s = new EngineHarness()
  s.say('u:a / F:0:t / r:1:abc')
  assert.equal(s.say('u:a / F:-1:t / d:1:=3'), '')
  assert.equal(s.say('u:a / F:1:t / d:x:=3'), '')
  assert.equal(s.say('u:a / F:999999999999:t / d:1:=3'), 'F:1:t / R:1:abc')
  assert.equal(s.say('u:a / F:1:t / d:1:=3'), 'F:2:t / d:1:=3')
  assert.equal(s.text('t'), 'abc')
})

function randomText(rnd: () => number, n: number): string {
  const words = ['alpha ', 'beta ', 'gamma\n', 'delta ', 'ε ', '😀 ', 'x', 'yz ']
  let out = ''
  while (out.length < n) out += words[Math.floor(rnd() * words.length)]
  return out.slice(0, n)
}

test('unrelated 100 KB texts: one request stays bounded in time', { timeout: 30_000 }, () => {
  const rnd = createRng(11)
  const s = new EngineHarness()
  const a = randomText(rnd, 100_000)
  const b = randomText(rnd, 100_000)
  s.run(`u:a\nF:0:t\nR:1:${encodeURI(a)}\n\n`)
  const start = performance.now()
  // Another client uploads an unrelated text as a merge delta against an empty shadow.
  const r = s.run(`u:b\nF:0:t\nr:1:${encodeURI(b)}\n\n`)
  const ms = performance.now() - start
  assert.equal(r.answer.startsWith('F:1:t\nd:0:'), true)
  assert.ok(ms < 5_000, `took ${ms} ms`)
})

test('1 MB texts sync, merge and stay exact', { timeout: 60_000 }, () => {
  const rnd = createRng(13)
  const s = new EngineHarness({ maxDocChars: 1_100_000 })
  const big = randomText(rnd, 1_000_000)
  const start = performance.now()
  assert.equal(s.say(`u:a / F:0:t / r:1:${encodeURI(big)}`), 'F:1:t / d:0:=1000000')
  assert.equal(s.say(`u:b / F:0:t / r:1:${encodeURI(big)}`), 'F:1:t / d:0:=1000000')
  s.say('u:a / F:1:t / d:1:+HEAD \t=1000000')
  assert.equal(s.say('u:b / F:1:t / d:1:=1000000\t+ TAIL'), 'F:2:t / d:1:+HEAD \t=1000005')
  assert.equal(s.text('t'), `HEAD ${big} TAIL`)
  const ms = performance.now() - start
  assert.ok(ms < 20_000, `took ${ms} ms`)
})
