// `b:` buffer reassembly (mobwrite-notes §1.8): any order, per id and total, 1-based, expiry by
// the time passed in, limits.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { BufferAssembler } from './buffers.ts'
import { parseRequest, type BufferLine } from './codec.ts'

const limits = { expiryMs: 15 * 60_000, maxBuffers: 3, maxChars: 1_000 }

function fragment(text: string): BufferLine {
  const line = parseRequest(text + '\n\n').buffer
  assert.ok(line)
  return line
}

test('fragments in any order complete the request (server.xml "Complete Buffer")', () => {
  const b = new BufferAssembler(limits)
  // encodeURIComponent('U:user\nF:0:doc\nR:0:Hello world\n') cut in three.
  assert.deepEqual(b.feed(fragment('b:buf1 3 2 A0%3Adoc%0AR%3'), 0), { kind: 'pending' })
  assert.deepEqual(b.feed(fragment('b:buf1 3 3 A0%3AHello%20world%0A'), 1), { kind: 'pending' })
  const done = b.feed(fragment('b:buf1 3 1 U%3Auser%0AF%3'), 2)
  assert.deepEqual(done, { kind: 'complete', request: 'U:user\nF:0:doc\nR:0:Hello world\n\n' })
  assert.equal(b.size, 0)
})

test('the same id with another total is another buffer; repeats keep the first copy', () => {
  const b = new BufferAssembler(limits)
  b.feed(fragment('b:x 2 1 a'), 0)
  b.feed(fragment('b:x 3 1 q'), 0)
  b.feed(fragment('b:x 2 1 IGNORED'), 0)
  assert.equal(b.size, 2)
  assert.deepEqual(b.feed(fragment('b:x 2 2 b%0A'), 0), { kind: 'complete', request: 'ab\n\n' })
})

test('out-of-range indexes are ignored; a single fragment is used directly', () => {
  const b = new BufferAssembler(limits)
  assert.equal(b.feed(fragment('b:x 2 0 a'), 0).kind, 'ignored')
  assert.equal(b.feed(fragment('b:x 2 3 a'), 0).kind, 'ignored')
  assert.deepEqual(b.feed(fragment('b:y 1 1 u%3Aa%0A'), 0), {
    kind: 'complete',
    request: 'u:a\n\n',
  })
})

test('expiry, the buffer count and the size limit drop buffers', () => {
  const b = new BufferAssembler(limits)
  b.feed(fragment('b:old 2 1 a'), 0)
  b.expire(limits.expiryMs - 1)
  assert.equal(b.size, 1)
  b.expire(limits.expiryMs)
  assert.equal(b.size, 0)
  for (const id of ['a', 'b', 'c', 'd']) b.feed(fragment(`b:${id} 2 1 x`), 0)
  assert.equal(b.size, 3)
  assert.equal(b.feed(fragment('b:a 2 2 y'), 0).kind, 'pending')
  assert.equal(b.feed(fragment(`b:big 2 1 ${'z'.repeat(1_001)}`), 0).kind, 'ignored')
  assert.equal(b.feed(fragment('b:bad 1 1 %E3'), 0).kind, 'ignored')
})
