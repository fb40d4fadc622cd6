import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ErrorCode, SyncError } from '../../shared/errors.ts'
import { defaultConfig } from '../config.ts'
import { createMemoryStore } from '../store/memory.ts'
import { createAuth } from './auth.ts'
import { withRateClient } from './request-limit.ts'
import { issueToken, revokeTokens } from './tokens.ts'

test('checkRequest: revoked tokens are refused; buckets per client, then per token or address', () => {
  const store = createMemoryStore()
  let nowMs = 0
  const auth = createAuth({
    store,
    config: {
      ...defaultConfig.auth,
      ...{ ratePerSecond: 1, rateBurst: 2, sharedRatePerSecond: 1, sharedRateBurst: 3 },
    },
    now: () => nowMs,
  })
  const { token } = issueToken(store, 'dave')
  const dave = auth.resolveGateway({ headers: { authorization: `Bearer ${token}` }, ip: '9.9.9.9' })
  assert.ok(!(dave instanceof SyncError))
  const tab1 = withRateClient(dave, 'session:1')
  const tab2 = withRateClient(dave, 'session:2')
  // A copy not made by withRateClient is not the token's identity (identity.ts tokenHashes).
  assert.equal(auth.checkRequest({ ...dave })?.code, ErrorCode.ERR_TOKEN_INVALID)
  assert.equal(auth.checkRequest(tab1), undefined)
  assert.equal(auth.checkRequest(tab1), undefined)
  const refused = auth.checkRequest(tab1)
  assert.equal(refused?.code, ErrorCode.ERR_RATE_LIMITED)
  assert.equal(refused?.retryAfterMs, 1_000)
  assert.match(refused?.message ?? '', /from one client/)
  // A refused request took nothing from the token's bucket: one request of three is left.
  assert.equal(auth.checkRequest(tab2), undefined, 'another client of the token')
  assert.match(auth.checkRequest(tab2)?.message ?? '', /from one token/)
  const guestA = { principal: 'anonymous', ip: '1.1.1.1' }
  const guestB = { principal: 'anonymous', ip: '2.2.2.2' }
  for (let i = 0; i < 3; i++) assert.equal(auth.checkRequest(guestA), undefined)
  assert.match(auth.checkRequest(guestA)?.message ?? '', /from one address/)
  assert.equal(auth.checkRequest(guestB), undefined, 'addresses are independent')
  // The same `u:` view named from another address is another bucket.
  assert.equal(auth.checkRequest({ ...guestB, rateClient: 'view:x' }), undefined)
  nowMs += 1_000
  assert.equal(auth.checkRequest(tab1), undefined, 'refilled')
  revokeTokens(store, 'dave')
  const revoked = auth.checkRequest(tab1)
  assert.equal(revoked?.code, ErrorCode.ERR_TOKEN_INVALID)
  assert.match(revoked?.message ?? '', /revoked/)
})

test('access: rules, the default, and invalid names as none', () => {
  const store = createMemoryStore()
  store.putRule({ pattern: 'notes/*', principal: 'erin', access: 'read', createdMs: 0 })
  const auth = createAuth({ store, config: { ...defaultConfig.auth, defaultAccess: 'none' } })
  const erin = auth.access({ principal: 'erin' })
  assert.equal(erin('notes/a'), 'read')
  assert.equal(erin('other'), 'none')
  assert.equal(auth.access({ principal: 'anonymous' })('notes/a'), 'none')
  assert.equal(
    createAuth({ store, config: defaultConfig.auth }).access({ principal: 'x' })('../x'),
    'none',
  )
  assert.equal(auth.checkDocName('a//b')?.code, ErrorCode.ERR_DOC_NAME_INVALID)
})

test('readableDocuments lists only what the caller may read, newest first', () => {
  const store = createMemoryStore()
  const auth = createAuth({ store, config: { ...defaultConfig.auth, defaultAccess: 'none' } })
  store.putRule({ pattern: 'pub/*', principal: '*', access: 'read', createdMs: 0 })
  store.putRule({ pattern: '*', principal: 'fay', access: 'write', createdMs: 0 })
  store.commit({
    putDocuments: [
      { file: 'pub/a', text: 'a', revision: 1, updatedMs: 1 },
      { file: 'pub/b', text: 'b', revision: 1, updatedMs: 3 },
      { file: 'secret', text: 's', revision: 1, updatedMs: 2 },
    ],
  })
  const files = (req: Parameters<typeof auth.readableDocuments>[0]) =>
    auth.readableDocuments(req).map((d) => d.file)
  assert.deepEqual(files({ headers: {}, ip: '1.1.1.1' }), ['pub/b', 'pub/a'])
  const { token } = issueToken(store, 'fay')
  assert.deepEqual(files({ headers: { authorization: `Bearer ${token}` }, ip: '1.1.1.1' }), [
    'pub/b',
    'secret',
    'pub/a',
  ])
  assert.deepEqual(files({ headers: {}, token: 'tdm_bad', ip: '1.1.1.1' }), [])
})
