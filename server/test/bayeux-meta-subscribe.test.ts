// /meta/subscribe: whole replies with the echoed subscription, CometD's error strings, the
// security policy and authorizers' 5-step rule (bayeux-notes §1.6.4, §2.6).

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { deny, grant, ignore } from '../bayeux/security.ts'
import { RawHttp } from './bayeux-raw.ts'
import { startTestServer } from './harness.ts'

async function setup(t: { after(fn: () => Promise<void>): void }, bayeux = {}) {
  const srv = await startTestServer({ bayeux })
  t.after(() => srv.close())
  const http = new RawHttp(srv)
  const clientId = await http.connected()
  const subscribe = async (subscription: unknown, id = '1') =>
    (await http.post('/', [{ id, channel: '/meta/subscribe', clientId, subscription }])).body
  return { srv, http, clientId, subscribe }
}

const ok = (subscription: unknown, id = '1') => [
  { id, channel: '/meta/subscribe', subscription, successful: true },
]
const failed = (subscription: unknown, error: string, id = '1') => [
  { id, channel: '/meta/subscribe', subscription, successful: false, error },
]

test(
  'subscribing to names, patterns and arrays echoes the subscription',
  { timeout: 10_000 },
  async (t) => {
    const { srv, clientId, subscribe } = await setup(t)
    assert.deepEqual(await subscribe('/doc/42'), ok('/doc/42'))
    assert.deepEqual(await subscribe('/doc/*'), ok('/doc/*'))
    assert.deepEqual(await subscribe(['/a', '/b/**']), ok(['/a', '/b/**']))
    assert.deepEqual(await subscribe('/doc/42'), ok('/doc/42'), 'subscribing twice is fine')
    assert.deepEqual([...(srv.app.bayeux.getSession(clientId)?.subscriptions ?? [])].sort(), [
      '/a',
      '/b/**',
      '/doc/*',
      '/doc/42',
    ])
    // Service channels: a successful no-op (services never broadcast).
    assert.deepEqual(await subscribe('/service/mobwrite'), ok('/service/mobwrite'))
    assert.equal(srv.app.bayeux.getSession(clientId)?.subscriptions.has('/service/mobwrite'), false)
  },
)

test('malformed subscriptions and unknown clients', { timeout: 10_000 }, async (t) => {
  const { http, subscribe } = await setup(t)
  assert.deepEqual(await subscribe(undefined), [
    { id: '1', channel: '/meta/subscribe', successful: false, error: '403::subscription_missing' },
  ])
  for (const bad of ['no-slash', '/a/*/b', '/a//b', '/a b', '']) {
    assert.deepEqual(await subscribe(bad), failed(bad, '403::subscription_invalid'), bad)
  }
  assert.deepEqual(
    await subscribe(['/ok', 'bad']),
    failed(['/ok', 'bad'], '403::subscription_invalid'),
  )
  assert.deepEqual(await subscribe(42), failed([], '403::subscription_invalid'))
  const res = await http.post('/', [
    { id: '9', channel: '/meta/subscribe', clientId: 'nobody', subscription: '/x' },
  ])
  assert.deepEqual(res.body, [
    {
      id: '9',
      channel: '/meta/subscribe',
      subscription: '/x',
      successful: false,
      error: '402::Unknown client',
    },
  ])
})

test(
  'meta channels are refused, global wildcards unless allowed',
  { timeout: 10_000 },
  async (t) => {
    const { subscribe } = await setup(t)
    const denied = '403:denied_by_security_policy:subscribe_denied'
    for (const channel of ['/meta/connect', '/meta/**', '/meta/*', '/*', '/**']) {
      assert.deepEqual(await subscribe(channel), failed(channel, denied), channel)
    }
    // In an array, entries are processed in order and the first failure stops (CometD).
    assert.deepEqual(
      await subscribe(['/fine', '/meta/x', '/never']),
      failed(['/fine', '/meta/x', '/never'], denied),
    )

    const open = await setup(t, { allowGlobalWildcards: true })
    assert.deepEqual(await open.subscribe('/**'), ok('/**'))
    assert.deepEqual(await open.subscribe('/meta/**'), failed('/meta/**', denied))
  },
)

test(
  'the 5-step rule: policy, no authorizers, none granting, grant, deny with reason',
  { timeout: 10_000 },
  async (t) => {
    const { srv, subscribe } = await setup(t)
    const bayeux = srv.app.bayeux
    // 2. No authorizers: granted.
    assert.deepEqual(await subscribe('/free'), ok('/free'))
    // 1. The policy says no.
    bayeux.setSecurityPolicy({ canSubscribe: (_s, channel) => channel !== '/locked' })
    assert.deepEqual(
      await subscribe('/locked'),
      failed('/locked', '403:denied_by_security_policy:subscribe_denied'),
    )
    // 3. Authorizers exist, none grants (GRANT_NONE at the root).
    bayeux.addAuthorizer('/game/**', () => ignore)
    assert.deepEqual(
      await subscribe('/game/1'),
      failed('/game/1', '403:denied_by_not_granting:create_denied'),
    )
    // 4. One grants on creation and subscription, none denies.
    const removeGrant = bayeux.addAuthorizer('/game/*', (op) => (op === 'publish' ? ignore : grant))
    assert.deepEqual(await subscribe('/game/1'), ok('/game/1'))
    // 5. A deny wins, with its reason in the error string.
    bayeux.addAuthorizer('/game/2', (op) => (op === 'subscribe' ? deny('banned') : grant))
    assert.deepEqual(await subscribe('/game/2'), failed('/game/2', '403:banned:subscribe_denied'))
    removeGrant()
    assert.deepEqual(
      await subscribe('/game/3'),
      failed('/game/3', '403:denied_by_not_granting:create_denied'),
    )
    // An authorizer that throws denies (its channel exists: no create step).
    bayeux.addAuthorizer('/boom', () => {
      throw new Error('boom')
    })
    assert.deepEqual(
      await subscribe('/boom'),
      failed('/boom', '403:authorizer_failed:subscribe_denied'),
    )
  },
)

test('maxSubscriptionsPerSession', { timeout: 10_000 }, async (t) => {
  const { subscribe } = await setup(t, { maxSubscriptionsPerSession: 2 })
  assert.deepEqual(await subscribe(['/a', '/b']), ok(['/a', '/b']))
  assert.deepEqual(await subscribe('/a'), ok('/a'), 'an existing subscription does not count again')
  assert.deepEqual(await subscribe('/c'), failed('/c', '403::subscriptions_exceeded'))
})
