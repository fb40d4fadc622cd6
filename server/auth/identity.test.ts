import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ErrorCode, SyncError } from '../../shared/errors.ts'
import { createMemoryStore } from '../store/memory.ts'
import {
  isIdentityCurrent,
  normalizeIp,
  readBearerToken,
  readHandshakeCredentials,
  resolveGatewayIdentity,
  resolveIdentity,
  type Identity,
} from './identity.ts'
import { issueToken, revokeTokens } from './tokens.ts'

const open = { allowAnonymous: true, maxNameChars: 40 }
const closed = { allowAnonymous: false, maxNameChars: 40 }

function identity(result: Identity | SyncError): Identity {
  assert.ok(!(result instanceof SyncError), `expected an identity, got ${String(result)}`)
  return result
}

test('a valid token gives its principal and a trusted handle; the offered name is ignored', () => {
  const store = createMemoryStore()
  const { token, id } = issueToken(store, 'alice')
  const who = identity(
    resolveIdentity(store, { token, name: 'Mallory', ip: '::ffff:10.0.0.7' }, closed),
  )
  assert.deepEqual(who, {
    principal: 'alice',
    isAnonymous: false,
    name: 'alice',
    ip: '10.0.0.7',
    handle: 'alice:10.0.0.7',
    tokenId: id,
  })
})

test('anonymous clients get a sanitised name and a ~handle when allowed', () => {
  const store = createMemoryStore()
  const who = identity(resolveIdentity(store, { name: 'alice:\nevil', ip: '127.0.0.1' }, open))
  assert.equal(who.principal, 'anonymous')
  assert.equal(who.handle, '~alice evil:127.0.0.1')
  assert.equal(identity(resolveIdentity(store, { ip: '::1' }, open)).handle, '~anonymous:::1')
  const refused = resolveIdentity(store, { name: 'x', ip: '::1' }, closed)
  assert.ok(refused instanceof SyncError)
  assert.equal(refused.code, ErrorCode.ERR_ANONYMOUS_DISABLED)
})

test('a bad or revoked token is refused, never downgraded to anonymous', () => {
  const store = createMemoryStore()
  const { token } = issueToken(store, 'bob')
  revokeTokens(store, 'bob')
  for (const bad of [token, 'tdm_forged', 17, { token }]) {
    const result = resolveIdentity(store, { token: bad, ip: '1.2.3.4' }, open)
    assert.ok(result instanceof SyncError, String(bad))
    assert.equal(result.code, ErrorCode.ERR_TOKEN_INVALID)
  }
})

test('handshake ext and gateway headers/parameters carry credentials', () => {
  assert.deepEqual(readHandshakeCredentials({ tandem: { token: 't', name: 'n' } }), {
    token: 't',
    name: 'n',
  })
  assert.deepEqual(readHandshakeCredentials({ other: 1 }), {})
  assert.deepEqual(readHandshakeCredentials(null), {})
  assert.equal(readBearerToken({ authorization: 'Bearer abc' }), 'abc')
  assert.equal(readBearerToken({ authorization: 'bearer  abc ' }), 'abc')
  assert.equal(readBearerToken({ authorization: 'Basic abc' }), undefined)
  assert.equal(normalizeIp(undefined), 'unknown')

  const store = createMemoryStore()
  const alice = issueToken(store, 'alice')
  const bob = issueToken(store, 'bob')
  const deps = { store, auth: closed }
  const viaHeader = identity(
    resolveGatewayIdentity(
      { headers: { authorization: `Bearer ${alice.token}` }, token: bob.token, ip: '1.1.1.1' },
      deps,
    ),
  )
  assert.equal(viaHeader.principal, 'alice', 'the header wins over the parameter')
  assert.equal(
    identity(resolveGatewayIdentity({ headers: {}, token: bob.token, ip: '1.1.1.1' }, deps))
      .principal,
    'bob',
  )
  const none = resolveGatewayIdentity({ headers: {}, ip: '1.1.1.1' }, deps)
  assert.ok(none instanceof SyncError && none.code === ErrorCode.ERR_ANONYMOUS_DISABLED)
})

test('a token identity stops standing once its token is revoked; forged ones never stand', () => {
  const store = createMemoryStore()
  const { token } = issueToken(store, 'carol')
  const carol = identity(resolveIdentity(store, { token, ip: '1.1.1.1' }, closed))
  const guest = identity(resolveIdentity(store, { ip: '1.1.1.1' }, open))
  assert.equal(isIdentityCurrent(store, carol), true)
  assert.equal(
    isIdentityCurrent(store, { ...carol }),
    false,
    'a copy is not an identity auth resolved',
  )
  assert.equal(isIdentityCurrent(store, guest), true)
  revokeTokens(store, 'carol')
  assert.equal(isIdentityCurrent(store, carol), false)
})
