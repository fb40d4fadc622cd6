// Mozilla's extras produced from the caller's facts (mobwrite-notes §1.3, DESIGN §8): O: and
// refused edits for read-only access, E: without text for no access, C: collaborator lines,
// m: metadata, h:/H: lines ignored, and the size limit (E:, nothing changes).

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ErrorCode } from '../../shared/errors.ts'
import { EngineHarness } from './engine-harness.ts'
import { viewKey, type Collaborator } from './engine.ts'
import { collaboratorId } from './engine-collaborators.ts'

const read = { access: () => 'read' as const }
const none = { access: () => 'none' as const }
const id = (user: string): string => collaboratorId(user, 'doc')

test('read-only: O:, edits refused with E:, text untouched, versions advance', () => {
  const s = new EngineHarness()
  s.say('u:w / F:0:doc / r:1:shared text')
  assert.equal(s.say('u:r / F:0:doc / r:1:', read), 'F:1:doc / O:doc / d:0:+shared text')
  const refused = s.run('u:r\nF:1:doc\nd:1:=11\t+!\n\n', read)
  assert.equal(
    refused.answer,
    'F:2:doc\nO:doc\nE:doc:ERR_READ_ONLY: This document is read-only; your edits were not saved\nd:1:=11\t-1\n',
  )
  assert.deepEqual(
    refused.errors.map((e) => e.code),
    [ErrorCode.ERR_READ_ONLY],
  )
  assert.equal(s.text('doc'), 'shared text')
  // Still receives others' changes.
  s.say('u:w / F:1:doc / d:1:+my \t=11')
  assert.equal(s.say('u:r / F:2:doc / d:2:=11', read), 'F:3:doc / O:doc / d:2:+my \t=11')
  // A no-op sync is not an error.
  assert.equal(s.run('u:r\nF:3:doc\nd:3:=14\n\n', read).errors.length, 0)
})

test('read-only: raw dumps never create or overwrite the text, n: is refused', () => {
  const s = new EngineHarness()
  const created = s.run('u:r\nF:0:new\nr:1:mine\n\n', read)
  assert.equal(created.errors[0]?.code, ErrorCode.ERR_READ_ONLY)
  assert.equal(s.text('new'), null)
  s.say('u:w / F:0:doc / r:1:abc')
  s.run('u:r\nF:0:doc\nR:1:xyz\n\n', read)
  assert.equal(s.text('doc'), 'abc')
  assert.equal(s.say('u:r / N:doc', read), 'E:doc:ERR_READ_ONLY: This document is read-only')
  assert.equal(s.text('doc'), 'abc')
})

test('no access: E: only, no text, the same answer whether the file exists or not', () => {
  const s = new EngineHarness()
  s.say('u:w / F:0:secret / r:1:classified')
  const existing = s.run('U:x\nF:0:secret\nr:1:\n\n', none)
  const missing = s.run('U:x\nF:0:nothing\nr:1:\n\n', none)
  assert.equal(existing.answer, 'E:secret:ERR_ACCESS_DENIED: You may not open this document\n')
  assert.equal(missing.answer, 'E:nothing:ERR_ACCESS_DENIED: You may not open this document\n')
  assert.equal(existing.views.size, 0)
  assert.equal(existing.errors[0]?.code, ErrorCode.ERR_ACCESS_DENIED)
  assert.equal(s.say('u:x / N:secret', none).startsWith('E:secret:'), true)
  assert.equal(s.text('secret'), 'classified')
})

test('C: lines list the other views with their metadata and an opaque id', () => {
  const s = new EngineHarness()
  const collaborators = () => [
    { user: 'me', handle: 'me:1.1.1.1', meta: null },
    { user: 'bob12345', handle: 'bob:10.0.0.2', meta: '{"cursor":{"anchor":1,"head":2}}' },
    { user: 'carol999', handle: 'carol:10.0.0.3', meta: 'not json' },
  ]
  assert.equal(
    s.say('u:me / F:0:doc / r:1:hi', { collaborators }),
    `F:1:doc / d:0:=2 / C:bob:10.0.0.2:{"cursor":{"anchor":1,"head":2},"id":"${id('bob12345')}"} / C:carol:10.0.0.3:{"id":"${id('carol999')}"}`,
  )
})

// Issue 14 finding 11 (and 6): Mozilla's id, the user id's first 4 characters, told others part
// of a secret id and was shared by views whose ids start alike (one hid the other in the editor).
test('C: ids name each view apart and reveal nothing of its user id', () => {
  const s = new EngineHarness()
  const users = ['abcd1234', 'abcd5678', 'abcdWXYZ']
  const collaborators = () => users.map((user) => ({ user, handle: '~x:1', meta: null }))
  const ids = [...s.say('u:me / F:0:doc / r:1:hi', { collaborators }).matchAll(/"id":"(.*?)"/g)]
  const seen = ids.map((m) => m[1] ?? '')
  assert.equal(new Set(seen).size, 3, seen.join(' '))
  for (const one of seen) assert.equal(one.includes('abc'), false, one)
  assert.deepEqual(seen, users.map(id))
  assert.notEqual(collaboratorId('abcd1234', 'doc'), collaboratorId('abcd1234', 'other'))
})

test('with sentCollaborators, C: lines come only when the list changed or may be lost', () => {
  const s = new EngineHarness()
  s.sentCollaborators = new Map()
  let list: Collaborator[] = [{ user: 'bob12345', handle: 'bob:2', meta: null }]
  const facts = { collaborators: () => list }
  const bob = `C:bob:2:{"id":"${id('bob12345')}"}`
  assert.equal(s.say('u:me / F:0:doc / r:1:hi', facts), `F:1:doc / d:0:=2 / ${bob}`)
  assert.equal(s.say('u:me / F:1:doc / d:1:=2', facts), 'F:2:doc / d:1:=2', 'unchanged')
  list = [...list, { user: 'carol999', handle: 'carol:3', meta: '{"at":1}' }]
  const both = `${bob} / C:carol:3:{"at":1,"id":"${id('carol999')}"}`
  assert.equal(s.say('u:me / F:2:doc / d:2:=2', facts), `F:3:doc / d:2:=2 / ${both}`)
  // That answer is lost: the client repeats from version 2, and gets the list again.
  assert.equal(s.say('u:me / F:2:doc / d:2:=2', facts), `F:3:doc / d:2:=2 / ${both}`)
  assert.equal(s.say('u:me / F:3:doc / d:3:=2', facts), 'F:4:doc / d:3:=2')
  list = []
  assert.equal(s.say('u:me / F:4:doc / d:4:=2', facts), 'F:5:doc / d:4:=2 / C:', 'now nobody')
  assert.equal(s.say('u:me / F:5:doc / d:5:=2', facts), 'F:6:doc / d:5:=2')
  // After a restart (nothing remembered) a known view is told its list, even an empty one.
  s.sentCollaborators = new Map()
  assert.equal(s.say('u:me / F:6:doc / d:6:=2', facts), 'F:7:doc / d:6:=2 / C:')
  // A new client alone on a file gets no C: line at all.
  assert.equal(s.say('u:new / F:0:doc / r:1:hi', facts), 'F:1:doc / d:0:=2')
})

test('m: metadata is stored on the view, also for a view created in the same request', () => {
  const s = new EngineHarness()
  s.say('u:me / m:{"cursor":3} / F:0:doc / r:1:hi')
  assert.equal(s.views.get(viewKey('me', 'doc'))?.meta, '{"cursor":3}')
  s.say('u:me / m:{"cursor":4} / F:1:doc / d:1:=2')
  assert.equal(s.views.get(viewKey('me', 'doc'))?.meta, '{"cursor":4}')
  const long = `{"x":"${'y'.repeat(5000)}"}`
  s.say(`u:me / m:${long} / F:2:doc / d:2:=2`)
  assert.equal(s.views.get(viewKey('me', 'doc'))?.meta, '{"cursor":4}')
})

test('h:/H: lines from the request are dropped; the trusted handle is stored', () => {
  const s = new EngineHarness()
  s.say('H:mallory:6.6.6.6 / u:me / h:evil / F:0:doc / r:1:hi', { handle: 'alice:127.0.0.1' })
  assert.equal(s.views.get(viewKey('me', 'doc'))?.handle, 'alice:127.0.0.1')
})

test('oversized: E: and nothing changes, never truncated', () => {
  const s = new EngineHarness({ maxDocChars: 10 })
  s.say('u:a / F:0:doc / r:1:0123456789')
  const before = s.views.get(viewKey('a', 'doc'))
  const big = s.run('u:a\nF:1:doc\nd:1:=10\t+X\n\n')
  assert.equal(
    big.answer,
    'E:doc:ERR_DOC_TOO_LARGE: The text would exceed 10 characters; nothing was changed\n',
  )
  assert.equal(big.errors[0]?.code, ErrorCode.ERR_DOC_TOO_LARGE)
  assert.equal(big.views.size, 0)
  assert.equal(big.documents.size, 0)
  assert.equal(s.views.get(viewKey('a', 'doc')), before)
  assert.equal(s.text('doc'), '0123456789')
  // The same edit followed by a trim in the next delta is fine: the group is merged as a whole.
  assert.equal(s.say('u:a / F:1:doc / d:1:=10\t+X / d:2:-1\t=10'), 'F:3:doc / d:1:=10')
  assert.equal(s.text('doc'), '123456789X')
  assert.equal(
    s.run(`u:b\nF:0:doc\nR:1:${'z'.repeat(11)}\n\n`).errors[0]?.code,
    ErrorCode.ERR_DOC_TOO_LARGE,
  )
  assert.equal(s.text('doc'), '123456789X')
})

test('a merge that would exceed the limit is refused too', () => {
  const s = new EngineHarness({ maxDocChars: 8 })
  s.say('u:a / F:0:doc / r:1:abcd')
  s.say('u:b / F:0:doc / r:1:abcd')
  s.say('u:a / F:1:doc / d:1:=4\t+1234')
  const r = s.run('u:b\nF:1:doc\nd:1:+5678\t=4\n\n')
  assert.equal(r.errors[0]?.code, ErrorCode.ERR_DOC_TOO_LARGE)
  assert.equal(s.text('doc'), 'abcd1234')
})
