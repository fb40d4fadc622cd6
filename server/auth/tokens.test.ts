import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ErrorCode, SyncError } from '../../shared/errors.ts'
import { createMemoryStore } from '../store/memory.ts'
import { hashToken, issueToken, listTokens, revokeTokens, verifyToken } from './tokens.ts'

test('an issued token verifies; only its SHA-256 is stored', () => {
  const store = createMemoryStore()
  const issued = issueToken(store, 'alice', 5)
  assert.match(issued.token, /^tdm_[A-Za-z0-9_-]{43}$/)
  const [stored] = store.listTokens()
  assert.equal(stored?.hash, hashToken(issued.token))
  assert.notEqual(stored?.hash, issued.token)
  assert.equal(JSON.stringify(store.listTokens()).includes(issued.token), false)
  assert.equal(verifyToken(store, issued.token)?.name, 'alice')
  assert.equal(verifyToken(store, issued.token + 'x'), undefined)
  assert.equal(verifyToken(store, 'not-a-token'), undefined)
  assert.notEqual(issueToken(store, 'alice').token, issued.token)
})

test('revoking by name or id stops the token working; list hides hashes', () => {
  const store = createMemoryStore()
  const a1 = issueToken(store, 'alice', 1)
  const a2 = issueToken(store, 'alice', 2)
  const b = issueToken(store, 'bob', 3)
  assert.equal(revokeTokens(store, b.id, 10), 1)
  assert.equal(verifyToken(store, b.token), undefined)
  assert.equal(revokeTokens(store, 'alice', 11), 2)
  assert.equal(verifyToken(store, a1.token), undefined)
  assert.equal(verifyToken(store, a2.token), undefined)
  assert.equal(revokeTokens(store, 'nobody', 12), 0)
  const list = listTokens(store)
  assert.deepEqual(
    list.map((t) => [t.name, t.revokedMs]),
    [
      ['alice', 11],
      ['alice', 11],
      ['bob', 10],
    ],
  )
  assert.equal(
    list.some((t) => 'hash' in t),
    false,
  )
})

test('reserved or odd principal names get no token', () => {
  const store = createMemoryStore()
  for (const name of ['*', 'anonymous', '', 'a:b']) {
    assert.throws(
      () => issueToken(store, name),
      (e) => e instanceof SyncError && e.code === ErrorCode.ERR_TOKEN_INVALID,
    )
  }
  assert.equal(store.listTokens().length, 0)
})
