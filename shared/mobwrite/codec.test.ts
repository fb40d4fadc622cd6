// Golden vectors for every MobWrite line type (mobwrite-notes §1.2–§1.3), request parsing
// (termination, CRLF, junk, h:/H: dropped, b: buffers) and answer parsing.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  parseAnswer,
  parseRequest,
  readLine,
  serializeAnswer,
  serializeRequest,
  writeLine,
  type Line,
} from './codec.ts'

const golden: [text: string, line: Line][] = [
  ['u:abc', { type: 'user', echo: false, user: 'abc' }],
  ['U:abc', { type: 'user', echo: true, user: 'abc' }],
  ['f:12:doc', { type: 'file', upper: false, version: 12, file: 'doc' }],
  ['F:0:a:b', { type: 'file', upper: true, version: 0, file: 'a:b' }],
  ['d:3:=5\t-2\t+x', { type: 'delta', force: false, version: 3, data: '=5\t-2\t+x' }],
  ['D:4:+1\t=2', { type: 'delta', force: true, version: 4, data: '+1\t=2' }],
  ['r:1:Hi there', { type: 'raw', force: false, version: 1, data: 'Hi there' }],
  ['R:0:a%0Ab', { type: 'raw', force: true, version: 0, data: 'a%0Ab' }],
  ['r:0:', { type: 'raw', force: false, version: 0, data: '' }],
  ['n:doc', { type: 'nullify', upper: false, file: 'doc' }],
  ['N:doc', { type: 'nullify', upper: true, file: 'doc' }],
  [
    'b:abcdefgh 3 2 U%3Aa',
    { type: 'buffer', upper: false, id: 'abcdefgh', total: 3, index: 2, chunk: 'U%3Aa' },
  ],
  ['B:id 1 1 x y', { type: 'buffer', upper: true, id: 'id', total: 1, index: 1, chunk: 'x y' }],
  ['m:{"cursor":3}', { type: 'meta', json: '{"cursor":3}' }],
  ['x:doc', { type: 'close', upper: false, file: 'doc' }],
  ['X:all', { type: 'close', upper: true, file: 'all' }],
  ['h:bob:1.2.3.4', { type: 'handle', upper: false, handle: 'bob:1.2.3.4' }],
  ['H:bob:1.2.3.4', { type: 'handle', upper: true, handle: 'bob:1.2.3.4' }],
  [
    'C:bob:1.2.3.4:{"id":"abcd"}',
    { type: 'collaborator', handle: 'bob:1.2.3.4', json: '{"id":"abcd"}' },
  ],
  ['C:', { type: 'noCollaborators' }],
  ['E:doc:Access denied', { type: 'error', file: 'doc', message: 'Access denied' }],
  ['E:all:Processing error', { type: 'error', file: 'all', message: 'Processing error' }],
  ['O:doc', { type: 'readOnly', file: 'doc' }],
]

test('every line type reads and writes its golden vector', () => {
  for (const [text, line] of golden) {
    assert.deepEqual(readLine(text), line, text)
    assert.equal(writeLine(line), text, text)
  }
})

test('junk lines read as null', () => {
  for (const junk of [
    '',
    'u',
    'uu:x',
    'UNKNOWN COMMAND',
    'q:1',
    'F:x:doc',
    'd:-1:=1',
    'r:1',
    'F::d',
  ]) {
    assert.equal(readLine(junk), null, junk)
  }
  // Server-only letters are uppercase only.
  assert.equal(readLine('c:x:{}'), null)
  assert.equal(readLine('o:doc'), null)
  // A C: line whose JSON does not parse is junk.
  assert.equal(readLine('C:bob:{nope'), null)
})

test('parseRequest follows user, file and version state across lines', () => {
  const req = parseRequest(
    'U:me\nm:{"a":1}\nF:2:doc\nd:5:=3\nr:6:x\nn:other\nx:all\nu:you\nx:doc\n\n',
  )
  assert.equal(req.terminated, true)
  assert.deepEqual(req.actions, [
    { kind: 'meta', user: 'me', file: 'doc', json: '{"a":1}' },
    {
      kind: 'delta',
      user: 'me',
      file: 'doc',
      serverVersion: 2,
      clientVersion: 5,
      data: '=3',
      force: false,
      echoUser: true,
    },
    {
      kind: 'raw',
      user: 'me',
      file: 'doc',
      serverVersion: 2,
      clientVersion: 6,
      data: 'x',
      force: false,
      echoUser: true,
    },
    { kind: 'nullify', user: 'me', file: 'other' },
    { kind: 'close', user: 'me', file: 'all', isAll: true },
    { kind: 'close', user: 'you', file: 'doc', isAll: false },
  ])
})

test('termination: blank line forms the daemon accepts; anything else has no actions', () => {
  for (const end of ['\n\n', '\r\r', '\n\r\n\r', '\r\n\r\n']) {
    assert.equal(
      parseRequest(`u:a${end.slice(0, end.length / 2)}F:0:d${end}`).terminated,
      true,
      JSON.stringify(end),
    )
  }
  const cut = parseRequest('u:a\nF:0:d\nr:1:x\n')
  assert.equal(cut.terminated, false)
  assert.deepEqual(cut.actions, [])
})

test('CRLF requests parse like LF ones; lines after the blank line are ignored', () => {
  const lf = parseRequest('u:a\nF:0:d\nr:1:x\n\nu:b\nF:0:e\nr:1:y\n\n')
  const crlf = parseRequest('u:a\r\nF:0:d\r\nr:1:x\r\n\r\n')
  assert.deepEqual(crlf.actions, lf.actions)
  assert.equal(lf.actions.length, 1)
})

test('junk lines are skipped and counted; h:/H: lines never reach the actions', () => {
  const req = parseRequest('H:mallory\nu:a\nbogus\nh:eve\nF:0:d\nr:1:x\n\n')
  assert.equal(req.skipped, 1)
  assert.equal(
    req.lines.some((l) => l.type === 'handle'),
    false,
  )
  assert.equal(req.actions.length, 1)
})

test('a b: line makes the request a buffer fragment without actions', () => {
  const req = parseRequest('u:a\nb:id 2 1 abc\nF:0:d\nr:1:x\n\n')
  assert.deepEqual(req.buffer, {
    type: 'buffer',
    upper: false,
    id: 'id',
    total: 2,
    index: 1,
    chunk: 'abc',
  })
  assert.deepEqual(req.actions, [])
})

test('serializeRequest writes lines and the blank line; parseAnswer reads server lines', () => {
  const text = serializeRequest([
    { type: 'user', echo: true, user: 'me' },
    { type: 'file', upper: true, version: 1, file: 'doc' },
    { type: 'delta', force: false, version: 2, data: '=4\t+a b' },
  ])
  assert.equal(text, 'U:me\nF:1:doc\nd:2:=4\t+a b\n\n')
  const answer = 'u:me\nF:3:doc\nO:doc\nE:doc:no\nd:1:=4\nR:1:abcd\nr:1:\nC:h:1:{"id":"me12"}\n'
  const parsed = parseAnswer(answer)
  assert.equal(parsed.terminated, false)
  assert.equal(parsed.lines.length, 8)
  assert.equal(serializeAnswer(parsed.lines), answer)
  assert.equal(parseAnswer(answer + '\n').terminated, true)
})
