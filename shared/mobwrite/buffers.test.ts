// `b:` buffer reassembly (mobwrite-notes §1.8): any order, per owner, id and total, 1-based,
// expiry, limits, nesting.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { SyncError } from '../errors.ts'
import { createGatewayBuffers } from './buffers.ts'

const options = {
  bufferExpiryMs: 1_000,
  maxBuffers: 3,
  maxBufferChars: 100,
  maxBufferedCharsPerGroup: 1_000,
  maxBufferedChars: 10_000,
}

test('server.xml "Complete Buffer": fragments 2, 3, 1 reassemble to one request', () => {
  const buffers = createGatewayBuffers(options)
  const frag = (i: number, chunk: string) => `b:testbuffer1 3 ${i} ${chunk}\n\n`
  assert.equal(buffers.feed(frag(2, '3Aunittest%0AR%3'), 'h'), undefined)
  assert.equal(buffers.feed(frag(3, 'A0%3AHello world%0A'), 'h'), undefined)
  assert.equal(buffers.size, 1)
  const whole = buffers.feed(frag(1, 'U%3Auser%0Af%3A0%'), 'h')
  assert.equal(whole, 'U:user\nf:0:unittest\nR:0:Hello world\n\n')
  assert.equal(buffers.size, 0)
})

test('requests without b: pass through; lines around a b: line are dropped', () => {
  const buffers = createGatewayBuffers(options)
  assert.equal(buffers.feed('u:a\nF:0:d\nd:1:=1\n\n', 'h'), 'u:a\nF:0:d\nd:1:=1\n\n')
  assert.equal(buffers.feed('u:a\nB:x 1 1 u%3Ab%0A\nF:0:d\n\n', 'h'), 'u:b\n\n')
  assert.equal(buffers.feed('u:a\nb:x 1 1 u%3Ab%0A', 'h'), 'u:a\nb:x 1 1 u%3Ab%0A')
})

test('nested buffers are unwrapped', () => {
  const buffers = createGatewayBuffers(options)
  const inner = encodeURIComponent('b:in 1 1 ' + encodeURIComponent('u:z\n') + '\n')
  assert.equal(buffers.feed(`b:out 1 1 ${inner}\n\n`, 'h'), 'u:z\n\n')
})

test('every b: line of a request is fed; the first one that completes a buffer answers', () => {
  const buffers = createGatewayBuffers(options)
  // server.xml "Incomplete Buffer": two fragments in one request are both kept.
  assert.equal(buffers.feed('b:two 3 2 u%3A\nb:two 3 3 q%0A\n\n', 'h'), undefined)
  assert.equal(buffers.feed('b:two 3 1 %0A\n\n', 'h'), '\nu:q\n\n')
  // server.xml "Nested Buffer": the three outer fragments arrive in one request.
  const inner = (i: number, chunk: string) => encodeURIComponent(`b:in 2 ${i} ${chunk}\n`)
  const nested = `b:out 2 2 ${inner(1, 'u%3Az')}\nb:out 2 1 ${inner(2, '%0A')}\n\n`
  assert.equal(buffers.feed(nested, 'h'), 'u:z\n\n')
  // server.xml "Invalid Buffers": out-of-range fragments, then a valid single-slot one.
  const invalid = 'b:x 0 0 u%3Aa%0A\nb:y 0 1 u%3Ab%0A\nb:w 1 2 u%3Ac%0A\nb:v 1 1 u%3Ad%0A\n\n'
  assert.equal(buffers.feed(invalid, 'h'), 'u:d\n\n')
  // Lines after the completing fragment are dropped, as core.py returns at once.
  assert.equal(buffers.feed('b:s 1 1 u%3Ae%0A\nb:t 1 1 u%3Af%0A\n\n', 'h'), 'u:e\n\n')
  assert.equal(buffers.size, 0)
})

test('malformed, out-of-range and duplicate fragments are ignored', () => {
  const buffers = createGatewayBuffers(options)
  for (const bad of ['b:x 2 0 a\n\n', 'b:x 2 3 a\n\n']) {
    assert.equal(buffers.feed(bad, 'h'), undefined, bad)
  }
  // A malformed b: line is junk, skipped like any other (the request runs without it).
  assert.equal(buffers.feed('b:x two 1 a\n\n', 'h'), 'b:x two 1 a\n\n')
  assert.equal(buffers.feed('b:d 2 1 u%3A\n\n', 'h'), undefined)
  assert.equal(buffers.feed('b:d 2 1 XXXX\n\n', 'h'), undefined)
  assert.equal(buffers.feed('b:d 2 2 q%0A\n\n', 'h'), 'u:q\n\n')
})

test('fragments from another owner never complete someone else`s buffer', () => {
  const buffers = createGatewayBuffers(options)
  assert.equal(buffers.feed('b:id 2 1 u%3Aa\n\n', 'alice'), undefined)
  assert.equal(buffers.feed('b:id 2 2 %0A\n\n', 'mallory'), undefined)
  assert.equal(buffers.feed('b:id 2 2 %0A\n\n', 'alice'), 'u:a\n\n')
})

test('expiry, count and size limits', () => {
  let nowMs = 0
  const buffers = createGatewayBuffers({ ...options, now: () => nowMs })
  buffers.feed('b:a 2 1 x\n\n', 'h')
  nowMs = 1_500
  buffers.feed('b:b 2 1 x\n\n', 'h')
  assert.equal(buffers.size, 1, 'the expired buffer was dropped')
  buffers.feed('b:c 2 1 x\n\n', 'h')
  buffers.feed('b:d 2 1 x\n\n', 'h')
  buffers.feed('b:e 2 1 x\n\n', 'h')
  assert.equal(buffers.size, 3, 'the oldest goes when maxBuffers is reached')
  assert.equal(buffers.feed('b:b 2 2 y\n\n', 'h'), undefined, 'b was dropped')
  assert.equal(buffers.feed(`b:big 2 1 ${'x'.repeat(101)}\n\n`, 'h'), undefined)
  assert.equal(buffers.feed('b:huge 100000000 1 x\n\n', 'h'), undefined)
})

test('a complete buffer that does not percent-decode is ERR_REQUEST_INVALID', () => {
  const buffers = createGatewayBuffers(options)
  assert.throws(
    () => buffers.feed('b:z 1 1 %E3%81\n\n', 'h'),
    (e: unknown) => e instanceof SyncError && e.code === 'ERR_REQUEST_INVALID',
  )
})

test('the same id with another total is another buffer', () => {
  const buffers = createGatewayBuffers(options)
  assert.equal(buffers.feed('b:x 2 1 u%3A\n\n', 'h'), undefined)
  assert.equal(buffers.feed('b:x 3 1 q\n\n', 'h'), undefined)
  assert.equal(buffers.size, 2)
  assert.equal(buffers.feed('b:x 2 2 b%0A\n\n', 'h'), 'u:b\n\n')
})

test('one group`s unfinished buffers are budgeted, whatever their owners and ids (issue 14)', () => {
  const buffers = createGatewayBuffers({
    ...options,
    maxBuffers: 100,
    maxBufferedCharsPerGroup: 50,
  })
  const chunk = 'x'.repeat(20)
  assert.equal(buffers.feed(`b:a 2 1 ${chunk}\n\n`, 'h1', 'address:1'), undefined)
  // Another display name (handle) from the same address shares the budget.
  assert.equal(buffers.feed(`b:b 2 1 ${chunk}\n\n`, 'h2', 'address:1'), undefined)
  assert.throws(
    () => buffers.feed(`b:c 2 1 ${chunk}\n\n`, 'h3', 'address:1'),
    (e: unknown) => e instanceof SyncError && e.code === 'ERR_REQUEST_TOO_LARGE',
  )
  assert.equal(buffers.chars, 40)
  // Another group is not affected; a completed buffer gives its characters back.
  assert.equal(buffers.feed(`b:a 2 1 ${chunk}\n\n`, 'h1', 'address:2'), undefined)
  assert.equal(buffers.feed('b:a 2 2 %0A\n\n', 'h1', 'address:1'), chunk + '\n' + '\n')
  assert.equal(buffers.chars, 40)
  assert.equal(buffers.feed(`b:c 2 1 ${chunk}\n\n`, 'h3', 'address:1'), undefined)
})

test('past the total budget the oldest unfinished buffers go first', () => {
  const buffers = createGatewayBuffers({ ...options, maxBuffers: 100, maxBufferedChars: 50 })
  const chunk = 'x'.repeat(20)
  for (const id of ['a', 'b', 'c']) buffers.feed(`b:${id} 2 1 ${chunk}\n\n`, 'h', `g-${id}`)
  assert.equal(buffers.size, 2)
  assert.equal(buffers.chars, 40)
  assert.equal(buffers.feed('b:a 2 2 y\n\n', 'h', 'g-a'), undefined, 'a was dropped')
  assert.equal(buffers.feed('b:c 2 2 %0A\n\n', 'h', 'g-c'), chunk + '\n\n')
})
