// Interop: Faye's Node client (an independent Bayeux implementation) against a real Tandem server
// on port 0, over websocket and long-polling. Faye has no ack extension; CometD covers that.
// Faye always handshakes over HTTP, then moves to the WebSocket: the cookie binding must allow it.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createFaye } from './bayeux-clients.ts'
import { startTestServer, type TestServer, waitFor } from './harness.ts'

const transports = ['websocket', 'long-polling'] as const
type Transport = (typeof transports)[number]
type Faye = ReturnType<typeof createFaye>
const fast = { timeoutMs: 1_500, maxIntervalMs: 3_000, sweepPeriodMs: 100 }

async function setup(t: { after(fn: () => Promise<void>): void }, transport: Transport) {
  const srv = await startTestServer({ bayeux: fast })
  const clients: Faye[] = []
  // Faye opens its WebSocket probe before its HTTP handshake has a BAYEUX_BROWSER cookie, so
  // each side gets its own; the first session is refused on the socket (402) and Faye
  // re-handshakes once with the socket's cookie. Wait for that before using the client.
  const connect = async () => {
    const faye = createFaye(srv.bayeuxUrl, transport)
    clients.push(faye)
    faye.client.connect()
    await waitFor(() => sessionOf(srv, faye)?.transport === transport, { timeoutMs: 5_000 })
    return faye
  }
  t.after(async () => {
    for (const faye of clients) faye.client.disconnect()
    await waitFor(() => [...srv.app.bayeux.sessions()].length === 0, { timeoutMs: 3_000 }).catch(
      () => {},
    )
    await srv.close()
  })
  return { srv, connect }
}

function sessionOf(srv: TestServer, faye: Faye) {
  const id = faye.clientId()
  return id ? srv.app.bayeux.getSession(id) : undefined
}

for (const transport of transports) {
  test(
    `faye ${transport}: subscribe plain and wildcard, publish across clients, unsubscribe, disconnect`,
    { timeout: 20_000 },
    async (t) => {
      const { srv, connect } = await setup(t, transport)
      const alice = await connect()
      const bob = await connect()
      const plain: unknown[] = []
      const wild: unknown[] = []
      const deep: unknown[] = []
      await bob.client.subscribe('/chat/room', (data) => plain.push(data))
      await bob.client.subscribe('/chat/*', (data) => wild.push(data))
      const deepSub = bob.client.subscribe('/chat/**', (data) => deep.push(data))
      await deepSub

      await alice.client.publish('/chat/room', { text: 'hello' })
      await alice.client.publish('/chat/room/sub', 'deep')
      await waitFor(() => plain.length === 1 && wild.length === 1 && deep.length === 2)
      assert.deepEqual(plain, [{ text: 'hello' }])
      assert.deepEqual(wild, [{ text: 'hello' }])
      assert.deepEqual(deep, [{ text: 'hello' }, 'deep'])
      await waitFor(() => sessionOf(srv, bob)?.transport === transport)
      await waitFor(() => sessionOf(srv, alice)?.transport === transport)

      deepSub.cancel()
      await waitFor(() => sessionOf(srv, bob)?.subscriptions.has('/chat/**') === false)
      await alice.client.publish('/chat/room/sub', 'not for bob')
      await alice.client.publish('/chat/room', 'marker')
      await waitFor(() => plain.length === 2)
      assert.deepEqual(plain, [{ text: 'hello' }, 'marker'])
      assert.deepEqual(deep, [{ text: 'hello' }, 'deep'])

      const bobId = bob.clientId()
      assert.ok(bobId)
      bob.client.disconnect()
      await waitFor(() => srv.app.bayeux.getSession(bobId) === undefined)
    },
  )

  test(
    `faye ${transport}: service request/reply reaches the requester only`,
    { timeout: 20_000 },
    async (t) => {
      const { srv, connect } = await setup(t, transport)
      srv.app.bayeux.addService('/service/echo', (_session, message, reply) =>
        reply({ echo: message.data }),
      )
      const alice = await connect()
      const bob = await connect()
      const aliceGot: unknown[] = []
      const bobGot: unknown[] = []
      // Faye hands any delivered message to the local listeners of its channel.
      await alice.client.subscribe('/service/echo', (data) => aliceGot.push(data))
      await bob.client.subscribe('/service/echo', (data) => bobGot.push(data))
      await alice.client.publish('/service/echo', 'ping')
      await waitFor(() => aliceGot.length === 1)
      await bob.client.publish('/service/echo', 'pong')
      await waitFor(() => bobGot.length === 1)
      assert.deepEqual(aliceGot, [{ echo: 'ping' }])
      assert.deepEqual(bobGot, [{ echo: 'pong' }])
    },
  )

  test(
    `faye ${transport}: re-handshakes and resubscribes after the server forgets the session`,
    { timeout: 20_000 },
    async (t) => {
      const { srv, connect } = await setup(t, transport)
      const alice = await connect()
      const bob = await connect()
      const received: unknown[] = []
      await bob.client.subscribe('/doc/1', (data) => received.push(data))
      const firstId = bob.clientId()
      assert.ok(firstId)
      assert.equal(srv.app.bayeux.dropSession(firstId), true)
      const secondId = await waitFor(
        () => {
          const session = sessionOf(srv, bob)
          const isBack = session && session.id !== firstId && session.subscriptions.has('/doc/1')
          return isBack ? session.id : undefined
        },
        { timeoutMs: 10_000 },
      )
      assert.notEqual(secondId, firstId)
      await alice.client.publish('/doc/1', 'after')
      await waitFor(() => received.includes('after'))
    },
  )
}
