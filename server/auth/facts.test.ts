import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { ViewState } from '../../shared/sync/types.ts'
import { createMemoryStore } from '../store/memory.ts'
import { createAccessControl } from './acl.ts'
import { createRequestFacts } from './facts.ts'
import type { Identity } from './identity.ts'

const alice: Identity = {
  principal: 'alice',
  isAnonymous: false,
  name: 'alice',
  ip: '1.1.1.1',
  handle: 'alice:1.1.1.1',
  tokenId: 't',
}

function view(
  user: string,
  file: string,
  handle: string,
  lastSeenMs: number,
  meta: string | null = null,
): ViewState {
  return {
    user,
    file,
    shadow: '',
    backupShadow: '',
    clientVersion: 0,
    serverVersion: 0,
    backupServerVersion: 0,
    editStack: [],
    handle,
    owner: '',
    meta,
    lastSeenMs,
  }
}

test('facts: access from rules read once per request, collaborators without idle views', () => {
  const store = createMemoryStore()
  store.putRule({ pattern: 'secret', principal: '*', access: 'none', createdMs: 0 })
  store.putRule({ pattern: 'notes/*', principal: 'alice', access: 'read', createdMs: 0 })
  store.commit({
    putViews: [
      view('u1', 'notes/a', 'bob:2.2.2.2', 1_000, '{"cursor":3}'),
      view('u2', 'notes/a', '~guest:3.3.3.3', 100),
      view('u3', 'secret', 'bob:2.2.2.2', 1_000),
    ],
  })
  const access = createAccessControl(store, { defaultAccess: 'write' })
  const facts = createRequestFacts({ store, access, viewExpiryMs: 500, now: () => 1_200 }, alice)
  assert.equal(facts.handle, 'alice:1.1.1.1')
  assert.equal(facts.access('notes/a'), 'read')
  assert.equal(facts.access('other'), 'write')
  assert.equal(facts.access('secret'), 'none')
  assert.deepEqual(facts.collaborators('notes/a'), [
    { user: 'u1', handle: 'bob:2.2.2.2', meta: '{"cursor":3}' },
  ])
  assert.deepEqual(facts.collaborators('secret'), [], 'no access, no collaborators')
  // A rule added mid-request does not change this request's answers; the next request sees it.
  store.putRule({ pattern: 'other', principal: 'alice', access: 'none', createdMs: 1 })
  assert.equal(facts.access('other'), 'write')
  assert.equal(
    createRequestFacts({ store, access, viewExpiryMs: 500 }, alice).access('other'),
    'none',
  )
})
