import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ReaderState, RequestReader } from './request-reader.ts'

const b = (s: string) => Buffer.from(s, 'utf8')
const text = (r: RequestReader) => Buffer.from(r.content()).toString('utf8')

test('stops at the first blank line and keeps the lines before it', () => {
  const r = new RequestReader(1000)
  assert.equal(r.push(b('u:a\nF:0:doc\nd:1:=3\n\nignored')), ReaderState.Done)
  assert.equal(text(r), 'u:a\nF:0:doc\nd:1:=3\n')
})

test('CRLF lines and a CRLF (or CR-only) blank line end the request', () => {
  for (const blank of ['\r\n', '\r\r\n', '\n']) {
    const r = new RequestReader(1000)
    assert.equal(
      r.push(b('u:a\r\nF:0:doc\r\n' + blank + 'x')),
      ReaderState.Done,
      JSON.stringify(blank),
    )
    assert.equal(text(r), 'u:a\r\nF:0:doc\r\n')
  }
})

test('a CR inside a line is content, not a blank line', () => {
  const r = new RequestReader(1000)
  assert.equal(r.push(b('u:a\n\rx\n')), ReaderState.LineStart)
  assert.equal(r.push(b('\n')), ReaderState.Done)
  assert.equal(text(r), 'u:a\n\rx\n')
})

test('byte by byte gives the same result as one chunk (multi-byte UTF-8 split)', () => {
  const input = b('u:ü\nF:0:😀\n\r\n')
  const r = new RequestReader(1000)
  const states: string[] = []
  for (const byte of input) states.push(r.push(Uint8Array.of(byte)))
  assert.equal(states.at(-1), ReaderState.Done)
  assert.equal(states.filter((s) => s === ReaderState.Done).length, 1)
  assert.equal(text(r), 'u:ü\nF:0:😀\n')
})

test('an empty request is a lone blank line', () => {
  const r = new RequestReader(10)
  assert.equal(r.push(b('\n')), ReaderState.Done)
  assert.equal(r.content().length, 0)
})

test('more than maxBytes before the blank line is TooLarge, exactly maxBytes is fine', () => {
  const ok = new RequestReader(6)
  assert.equal(ok.push(b('u:abc\n\n')), ReaderState.TooLarge)
  const exact = new RequestReader(7)
  assert.equal(exact.push(b('u:abc\n\n')), ReaderState.Done)
  const slow = new RequestReader(6)
  for (const ch of 'u:abcde') slow.push(b(ch))
  assert.equal(slow.state, ReaderState.TooLarge)
  assert.ok(slow.isFinished)
})

test('unterminated input stays unfinished', () => {
  const r = new RequestReader(100)
  assert.equal(r.push(b('u:a\nF:0:doc')), ReaderState.InLine)
  assert.equal(r.isFinished, false)
  assert.throws(() => new RequestReader(0), RangeError)
})
