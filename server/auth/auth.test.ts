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
