import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ErrorCode, SyncError } from '../../shared/errors.ts'
import { defaultConfig } from '../config.ts'
import { createMemoryStore } from '../store/memory.ts'
import { createAuth } from './auth.ts'
import { issueToken, revokeTokens } from './tokens.ts'

test('checkRequest: revoked tokens and exhausted buckets are refused; anonymous buckets per address', () => {
  const store = createMemoryStore()
  const nowMs = 0
  const auth = createAuth({
    store,
    config: { ...defaultConfig.auth, ratePerSecond: 1, rateBurst: 2 },
    now: () => nowMs,
  })
  const { token } = issueToken(store, 'dave')
  const dave = auth.resolveGateway({ headers: { authorization: `Bearer ${token}` }, ip: '9.9.9.9' })
  assert.ok(!(dave instanceof SyncError))
  assert.equal(auth.checkRequest(dave), undefined)
  assert.equal(auth.checkRequest(dave), undefined)
  assert.equal(auth.checkRequest(dave)?.code, ErrorCode.ERR_RATE_LIMITED)
  const guestA = { principal: 'anonymous', ip: '1.1.1.1' }
  const guestB = { principal: 'anonymous', ip: '2.2.2.2' }
  auth.checkRequest(guestA)
  auth.checkRequest(guestA)
  assert.equal(auth.checkRequest(guestA)?.code, ErrorCode.ERR_RATE_LIMITED)
  assert.equal(auth.checkRequest(guestB), undefined)
  revokeTokens(store, 'dave')
  const refused = auth.checkRequest(dave)
  assert.equal(refused?.code, ErrorCode.ERR_TOKEN_INVALID)
  assert.match(refused?.message ?? '', /revoked/)
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
