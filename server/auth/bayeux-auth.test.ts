// The Bayeux policy and authorizers as functions over session-shaped data; the same rules run
// against the real server and the official client in server/test/auth-bayeux.test.ts.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { BayeuxMessage } from '../../shared/bayeux/message.ts'
import type { ServerSession } from '../bayeux/types.ts'
import { createMemoryStore } from '../store/memory.ts'
import {
  createAuthPolicy,
  identityOf,
  identityAttribute,
  mobwriteAuthorizer,
  userChannelAuthorizer,
} from './bayeux-auth.ts'
import { issueToken } from './tokens.ts'

// Only what the policy reads; the real session type grows with the Bayeux core.
function session(): ServerSession {
  const fields: Partial<ServerSession> = {
    id: 'c1',
    remoteAddress: '127.0.0.1',
    attributes: new Map(),
  }
  return fields as ServerSession
}

const handshake = (ext?: Record<string, unknown>): BayeuxMessage => ({
  channel: '/meta/handshake',
  ...(ext ? { ext } : {}),
})

test('a handshake with a token attaches the identity and tells the client its handle', async () => {
  const store = createMemoryStore()
  const { token } = issueToken(store, 'alice')
  const policy = createAuthPolicy({ store, auth: { allowAnonymous: false, maxNameChars: 40 } })
  const s = session()
  const reply: BayeuxMessage = { channel: '/meta/handshake' }
  assert.equal(await policy.canHandshake?.(s, handshake({ tandem: { token } }), reply), true)
  assert.equal(identityOf(s)?.handle, 'alice:127.0.0.1')
  assert.deepEqual(reply.ext, {
    tandem: { handle: 'alice:127.0.0.1', principal: 'alice', isAnonymous: false },
  })
})

test('a refused handshake advises none and says why in ext.tandem.error', async () => {
  const store = createMemoryStore()
  const policy = createAuthPolicy({ store, auth: { allowAnonymous: true, maxNameChars: 40 } })
  const s = session()
  const reply: BayeuxMessage = { channel: '/meta/handshake', advice: { interval: 0 } }
  assert.equal(
    await policy.canHandshake?.(s, handshake({ tandem: { token: 'tdm_nope' } }), reply),
    false,
  )
  assert.equal(identityOf(s), undefined)
  assert.deepEqual(reply.advice, { interval: 0, reconnect: 'none' })
  assert.deepEqual(reply.ext, {
    tandem: {
      error: {
        code: 'ERR_TOKEN_INVALID',
        message: 'The token is unknown or revoked; ask for a new one (tandem token add <name>)',
      },
    },
  })
})

test('operations need an identity the policy itself attached', async () => {
  const store = createMemoryStore()
  const policy = createAuthPolicy({ store, auth: { allowAnonymous: true, maxNameChars: 40 } })
  const forged = session()
  forged.attributes.set(identityAttribute, {
    principal: 'alice',
    isAnonymous: false,
    handle: 'alice:1.1.1.1',
  })
  const message: BayeuxMessage = { channel: '/service/mobwrite' }
  assert.equal(identityOf(forged), undefined)
  assert.equal(await policy.canPublish?.(forged, '/service/mobwrite', message), false)
  assert.deepEqual(mobwriteAuthorizer('publish', '/service/mobwrite', forged, message), {
    kind: 'deny',
    reason: 'no_identity',
  })
  const s = session()
  await policy.canHandshake?.(s, handshake({ tandem: { name: 'Zed' } }), {
    channel: '/meta/handshake',
  })
  assert.equal(await policy.canPublish?.(s, '/service/mobwrite', message), true)
  assert.equal(
    await policy.canSubscribe?.(s, '/**', message),
    false,
    'global wildcards are refused',
  )
  assert.equal(await policy.canSubscribe?.(s, '/chat/*', message), true)
})

test('private /user/<principal>/** channels: own subscriptions only, never client publishes', async () => {
  const store = createMemoryStore()
  const { token } = issueToken(store, 'alice')
  const policy = createAuthPolicy({ store, auth: { allowAnonymous: true, maxNameChars: 40 } })
  const alice = session()
  const guest = session()
  await policy.canHandshake?.(alice, handshake({ tandem: { token } }), {
    channel: '/meta/handshake',
  })
  await policy.canHandshake?.(guest, handshake(), { channel: '/meta/handshake' })
  const m: BayeuxMessage = { channel: '/meta/subscribe' }
  const kind = (s: ServerSession, op: 'subscribe' | 'publish', channel: string) =>
    userChannelAuthorizer(op, channel, s, m).kind
  assert.equal(kind(alice, 'subscribe', '/user/alice'), 'grant')
  assert.equal(kind(alice, 'subscribe', '/user/alice/inbox'), 'grant')
  assert.equal(kind(alice, 'subscribe', '/user/alice/**'), 'grant')
  assert.equal(kind(alice, 'subscribe', '/user/bob/inbox'), 'deny')
  assert.equal(kind(alice, 'subscribe', '/user/alicex'), 'deny')
  assert.equal(kind(alice, 'subscribe', '/user/*'), 'deny')
  assert.equal(kind(alice, 'subscribe', '/user/**'), 'deny')
  assert.equal(kind(alice, 'publish', '/user/alice/inbox'), 'deny')
  assert.equal(userChannelAuthorizer('create', '/user/alice/inbox', alice, m).kind, 'grant')
  assert.equal(userChannelAuthorizer('create', '/user/bob/inbox', alice, m).kind, 'deny')
  assert.equal(kind(guest, 'subscribe', '/user/anonymous'), 'deny')
})
