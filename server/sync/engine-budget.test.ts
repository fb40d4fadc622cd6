// Issue 14, finding 3: one small request may not do unbounded work. A request naming too many
// views, or opening views worth too much text, is refused whole before any work and changes
// nothing; an answer lists a bounded number of collaborators.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { defaultConfig } from '../config.ts'
import { EngineHarness } from './engine-harness.ts'

const sync = defaultConfig.sync

test('a request opening a large document hundreds of times is refused before any work', () => {
  const server = new EngineHarness()
  const big = 'lorem ipsum '.repeat(87_000) // about 1 M characters
  server.run(`u:owner\nF:0:big\nR:0:${big}\n\n`)
  const viewsBefore = server.views.size
  // 300 fresh views in 10 KB (today: a 300 MB answer and a 38 s stall).
  const attack = Array.from({ length: 300 }, (_, i) => `u:id${i}\nF:0:big\nr:0:\n`).join('') + '\n'
  const started = performance.now()
  const result = server.run(attack)
  assert.ok(performance.now() - started < 1000, 'refused without doing the work')
  assert.match(result.answer, /^E:all:ERR_REQUEST_TOO_LARGE: /)
  assert.ok(result.answer.length < 500)
  assert.equal(server.views.size, viewsBefore, 'no view was opened')
  assert.equal(server.text('big'), big)
})

test('the views a request may name are bounded; within the bound it is served', () => {
  const server = new EngineHarness()
  const n = sync.maxViewsPerRequest
  const request = (count: number) =>
    Array.from({ length: count }, (_, i) => `u:u${i}\nF:0:doc${i}\nr:1:x\n`).join('') + '\n'
  assert.match(server.run(request(n + 1)).answer, /^E:all:ERR_REQUEST_TOO_LARGE/)
  assert.equal(server.views.size, 0)
  const answer = server.run(request(n)).answer
  assert.equal(answer.match(/^F:1:doc/gm)?.length, n)
})

test('opening views of a document already open costs nothing; resetting them costs its text', () => {
  const server = new EngineHarness({ maxTextCharsPerRequest: 1000 })
  server.run(`u:a\nF:0:t\nR:0:${'x'.repeat(600)}\n\n`)
  server.run(`u:b\nF:0:t\nr:1:\n\n`)
  // Two views, 600 characters each, to send again: over 1,000.
  assert.match(server.run('u:a\nF:1:t\nr:2:\nu:b\nF:1:t\nr:2:\n\n').answer, /^E:all:/)
  // Deltas of open views send no whole text.
  assert.doesNotMatch(server.run('u:a\nF:1:t\nd:1:=600\nu:b\nF:1:t\nd:1:=600\n\n').answer, /^E:/)
})

test('an answer lists at most maxCollaboratorLines other views', () => {
  const server = new EngineHarness()
  const crowd = Array.from({ length: sync.maxCollaboratorLines + 50 }, (_, i) => ({
    user: `v${i}`,
    handle: `~anon${i}:127.0.0.1`,
    meta: null,
  }))
  const answer = server.run('u:me\nF:0:t\nr:1:x\n\n', { collaborators: () => crowd }).answer
  assert.equal(answer.match(/^C:/gm)?.length, sync.maxCollaboratorLines)
})
