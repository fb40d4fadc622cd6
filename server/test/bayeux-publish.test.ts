// Publishing and delivery: acks without data, broadcast copies without id/clientId, services
// answering the requester only, batching, the extension pipeline and publish authorization
// (bayeux-notes traps 1-3, §1.7, §1.12, §2.3, §2.5).

import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { BayeuxMessage } from '../../shared/bayeux/message.ts'
import { deny, grant, ignore } from '../bayeux/security.ts'
import { RawHttp } from './bayeux-raw.ts'
import { startTestServer } from './harness.ts'

async function twoClients(t: { after(fn: () => Promise<void>): void }) {
  const srv = await startTestServer({ bayeux: { timeoutMs: 200 } })
  t.after(() => srv.close())
  const alice = new RawHttp(srv)
  const bob = new RawHttp(srv)
  const aliceId = await alice.connected()
  const bobId = await bob.connected()
  const poll = async (http: RawHttp, clientId: string) =>
    (
      await http.post('/connect', [
        {
          id: 'p',
          channel: '/meta/connect',
          clientId,
          connectionType: 'long-polling',
          advice: { timeout: 0 },
        },
      ])
    ).body?.filter((m) => m.channel !== '/meta/connect')
  return { srv, alice, bob, aliceId, bobId, poll }
}

test(
  'a publish is acked without data; subscribers get it without id or clientId, once',
  { timeout: 10_000 },
  async (t) => {
    const { alice, bob, aliceId, bobId, poll } = await twoClients(t)
    await bob.post('/', [
      {
        id: 's',
        channel: '/meta/subscribe',
        clientId: bobId,
        subscription: ['/doc/1', '/doc/*', '/doc/**'],
      },
    ])
    const ack = await alice.post('/', [
      { id: '7', channel: '/doc/1', clientId: aliceId, data: { text: 'x' }, ext: { meta: 1 } },
    ])
    assert.deepEqual(ack.body, [{ id: '7', channel: '/doc/1', successful: true }])
    assert.deepEqual(await poll(bob, bobId), [
      { channel: '/doc/1', data: { text: 'x' }, ext: { meta: 1 } },
    ])
    // A publish without data delivers null (CometD does not check).
    await alice.post('/', [{ id: '8', channel: '/doc/1', clientId: aliceId }])
    assert.deepEqual(await poll(bob, bobId), [{ channel: '/doc/1', data: null }])
  },
)

test(
  'publishing to wildcards, meta channels, or without a session',
  { timeout: 10_000 },
  async (t) => {
    const { alice, aliceId } = await twoClients(t)
    const send = async (channel: string, clientId = aliceId) =>
      (await alice.post('/', [{ id: '1', channel, clientId, data: 1 }])).body
    assert.deepEqual(await send('/doc/*'), [
      { id: '1', channel: '/doc/*', successful: false, error: '405::channel_invalid' },
    ])
    assert.deepEqual(await send('/meta/foo'), [
      {
        id: '1',
        channel: '/meta/foo',
        successful: false,
        error: '403:denied_by_security_policy:create denied',
      },
    ])
    assert.deepEqual(await send('/doc/1', 'ghost'), [
      { id: '1', channel: '/doc/1', successful: false, error: '402::Unknown client' },
    ])
  },
)

test('publish authorization: policy, authorizers, reasons', { timeout: 10_000 }, async (t) => {
  const { srv, alice, aliceId } = await twoClients(t)
  const send = async (channel: string) =>
    (await alice.post('/', [{ id: '1', channel, clientId: aliceId, data: 1 }])).body
  srv.app.bayeux.setSecurityPolicy({
    canPublish: (_s, channel) => channel !== '/ro',
    canCreate: (_s, channel) => channel !== '/new',
  })
  assert.deepEqual(await send('/ro'), [
    {
      id: '1',
      channel: '/ro',
      successful: false,
      error: '403:denied_by_security_policy:publish denied',
    },
  ])
  assert.deepEqual(await send('/new'), [
    {
      id: '1',
      channel: '/new',
      successful: false,
      error: '403:denied_by_security_policy:create denied',
    },
  ])
  srv.app.bayeux.addAuthorizer('/doc/**', () => ignore)
  srv.app.bayeux.addAuthorizer('/doc/open', () => grant)
  srv.app.bayeux.addAuthorizer('/doc/banned', () => deny('read_only'))
  assert.deepEqual(await send('/doc/open'), [{ id: '1', channel: '/doc/open', successful: true }])
  assert.deepEqual(await send('/doc/banned'), [
    { id: '1', channel: '/doc/banned', successful: false, error: '403:read_only:publish denied' },
  ])
  assert.deepEqual(await send('/doc/other'), [
    {
      id: '1',
      channel: '/doc/other',
      successful: false,
      error: '403:denied_by_not_granting:create denied',
    },
  ])
})

test(
  'services answer the requester only, as remote-call results; errors are contained',
  { timeout: 10_000 },
  async (t) => {
    const { srv, alice, bob, aliceId, bobId, poll } = await twoClients(t)
    const seen: string[] = []
    srv.app.bayeux.addService('/service/echo', (session, message, reply) => {
      seen.push(session.id)
      reply({ echo: message.data })
    })
    let release = () => {}
    const gate = new Promise<void>((resolve) => (release = resolve))
    srv.app.bayeux.addService('/service/async/*', async (_s, message, _reply, fail) => {
      await gate
      fail({ channel: message.channel })
    })
    srv.app.bayeux.addService('/service/broken', () => {
      throw new Error('service bug')
    })
    await bob.post('/', [
      { id: 's', channel: '/meta/subscribe', clientId: bobId, subscription: '/service/echo' },
    ])
    const res = await alice.post('/', [
      { id: '5', channel: '/service/echo', clientId: aliceId, data: 'hi' },
    ])
    assert.deepEqual(res.body, [
      { id: '5', channel: '/service/echo', successful: true, data: { echo: 'hi' } },
      { id: '5', channel: '/service/echo', successful: true },
    ])
    assert.deepEqual(seen, [aliceId])
    assert.deepEqual(await poll(bob, bobId), [])
    const later = await alice.post('/', [
      { id: '6', channel: '/service/async/x', clientId: aliceId, data: 0 },
    ])
    assert.deepEqual(later.body, [{ id: '6', channel: '/service/async/x', successful: true }])
    release()
    await gate
    assert.deepEqual(await poll(alice, aliceId), [
      {
        id: '6',
        channel: '/service/async/x',
        successful: false,
        data: { channel: '/service/async/x' },
      },
    ])
    const broken = await alice.post('/', [
      { id: '7', channel: '/service/broken', clientId: aliceId, data: 0 },
    ])
    assert.deepEqual(broken.body, [{ id: '7', channel: '/service/broken', successful: true }])
    assert.throws(() => srv.app.bayeux.addService('/chat', () => {}), RangeError)
    assert.throws(() => srv.app.bayeux.publish('/service/echo', 1), RangeError)
    assert.throws(() => srv.app.bayeux.publish('/doc/*', 1), RangeError)
    assert.throws(() => srv.app.bayeux.publish('nope', 1), TypeError)
  },
)

test(
  'a batch is processed in order; deliveries to the sender wait for its end',
  { timeout: 10_000 },
  async (t) => {
    const { srv, alice, aliceId } = await twoClients(t)
    srv.app.bayeux.addService('/service/order', (_s, message, reply) => reply(message.data))
    const res = await alice.post('/', [
      { id: '1', channel: '/meta/subscribe', clientId: aliceId, subscription: '/loop' },
      { id: '2', channel: '/loop', clientId: aliceId, data: 'a' },
      { id: '3', channel: '/service/order', clientId: aliceId, data: 'b' },
      { id: '4', channel: '/meta/unsubscribe', clientId: aliceId, subscription: '/loop' },
      { id: '5', channel: '/loop', clientId: aliceId, data: 'c' },
    ])
    assert.deepEqual(res.body, [
      { channel: '/loop', data: 'a' },
      { id: '3', channel: '/service/order', successful: true, data: 'b' },
      { id: '1', channel: '/meta/subscribe', subscription: '/loop', successful: true },
      { id: '2', channel: '/loop', successful: true },
      { id: '3', channel: '/service/order', successful: true },
      { id: '4', channel: '/meta/unsubscribe', subscription: '/loop', successful: true },
      { id: '5', channel: '/loop', successful: true },
    ])
  },
)

test(
  'extensions: incoming in order, outgoing in reverse, veto gives 404::message deleted',
  { timeout: 10_000 },
  async (t) => {
    const { srv, alice, aliceId } = await twoClients(t)
    const order: string[] = []
    const tag = (name: string) => ({
      incoming(message: BayeuxMessage) {
        order.push(`in:${name}`)
        if (message.data === 'veto') return null
        return undefined
      },
      outgoing(message: BayeuxMessage) {
        order.push(`out:${name}`)
        if (message.channel === '/x') return { ...message, ext: { ...message.ext, [name]: true } }
        return undefined
      },
    })
    srv.app.bayeux.addExtension(tag('a'))
    const removeB = srv.app.bayeux.addExtension(tag('b'))
    srv.app.bayeux.addExtension({
      incoming() {
        throw new Error('extension bug')
      },
    })
    const res = await alice.post('/', [{ id: '1', channel: '/x', clientId: aliceId, data: 1 }])
    assert.deepEqual(res.body, [
      { id: '1', channel: '/x', successful: true, ext: { b: true, a: true } },
    ])
    assert.deepEqual(order, ['in:a', 'in:b', 'out:b', 'out:a'])
    const vetoed = await alice.post('/', [
      { id: '2', channel: '/x', clientId: aliceId, data: 'veto' },
    ])
    assert.deepEqual(vetoed.body, [
      { id: '2', channel: '/x', successful: false, error: '404::message deleted' },
    ])
    removeB()
    order.length = 0
    await alice.post('/', [{ id: '3', channel: '/y', clientId: aliceId, data: 1 }])
    assert.deepEqual(order, ['in:a', 'out:a'])
  },
)
