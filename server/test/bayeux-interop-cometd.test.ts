// Interop: the official CometD 9 JavaScript client (cometd-nodejs-client) against a real Tandem
// server on port 0, over each transport it offers (DESIGN §3, issue 2 "Done means").

import assert from 'node:assert/strict'
import type { Socket } from 'node:net'
import { test } from 'node:test'
import type { CometD, Message } from 'cometd'
import {
  type CometDTransport,
  createCometD,
  disconnect,
  handshake,
  publish,
  remoteCall,
  subscribe,
} from './bayeux-clients.ts'
import { startTestServer, type TestServer, waitFor } from './harness.ts'

const transports: CometDTransport[] = ['websocket', 'long-polling', 'callback-polling']
const fast = { timeoutMs: 1_500, maxIntervalMs: 3_000, sweepPeriodMs: 100 }

async function setup(t: {
  after(fn: () => Promise<void>): void
}): Promise<{ srv: TestServer; clients: CometD[]; paths: Set<string> }> {
  // Record the HTTP paths the client uses (it appends /handshake, /connect... trap 7).
  const paths = new Set<string>()
  const srv = await startTestServer({
    bayeux: fast,
    bayeuxGuards: [
      (req, _res, next) => {
        paths.add(req.path.replace(/^\/jar-\d+/, ''))
        next()
      },
    ],
  })
  const clients: CometD[] = []
  t.after(async () => {
    await Promise.all(clients.map((c) => disconnect(c)))
    await srv.close()
  })
  return { srv, clients, paths }
}

for (const transport of transports) {
  test(
    `cometd ${transport}: handshake, subscribe plain and wildcard, publish across clients, unsubscribe, disconnect`,
    { timeout: 20_000 },
    async (t) => {
      const { srv, clients, paths } = await setup(t)
      const alice = createCometD(srv.bayeuxUrl, transport)
      const bob = createCometD(srv.bayeuxUrl, transport)
      clients.push(alice, bob)
      const hs = await handshake(alice)
      assert.equal(hs.successful, true)
      assert.equal(alice.getTransport()?.type, transport)
      assert.equal((await handshake(bob)).successful, true)

      const plain: unknown[] = []
      const wild: unknown[] = []
      const deep: unknown[] = []
      assert.equal((await subscribe(bob, '/chat/room', (m) => plain.push(m.data))).successful, true)
      assert.equal((await subscribe(bob, '/chat/*', (m) => wild.push(m.data))).successful, true)
      const deepSub = await subscribe(bob, '/chat/**', (m) =>
        deep.push({ channel: m.channel, data: m.data }),
      )
      assert.equal(deepSub.successful, true)

      const ack = await publish(alice, '/chat/room', { text: 'hello' })
      assert.equal(ack.successful, true, JSON.stringify(ack))
      const ack2 = await publish(alice, '/chat/room/sub', 'deep')
      assert.equal(ack2.successful, true, JSON.stringify(ack2))
      await waitFor(() => plain.length === 1 && wild.length === 1 && deep.length === 2)
      assert.deepEqual(plain, [{ text: 'hello' }])
      assert.deepEqual(wild, [{ text: 'hello' }])
      assert.deepEqual(deep, [
        { channel: '/chat/room', data: { text: 'hello' } },
        { channel: '/chat/room/sub', data: 'deep' },
      ])

      // Unsubscribe: the JS client sends /meta/unsubscribe when the last local listener goes.
      const unsubscribed = await new Promise<Message>((resolve) => {
        const handle = bob.subscribe(
          '/news',
          () => {},
          () => bob.unsubscribe(handle, resolve),
        )
      })
      assert.equal(unsubscribed.successful, true)

      const bobId = bob.getClientId()
      assert.ok(bobId && srv.app.bayeux.getSession(bobId))
      await disconnect(bob)
      assert.equal(srv.app.bayeux.getSession(bobId), undefined)
      const expected =
        transport === 'websocket' ? [] : ['/', '/connect', '/disconnect', '/handshake']
      assert.deepEqual([...paths].sort(), expected)
    },
  )

  test(
    `cometd ${transport}: service request/reply and remoteCall`,
    { timeout: 20_000 },
    async (t) => {
      const { srv, clients } = await setup(t)
      srv.app.bayeux.addService('/service/echo', (_session, message, reply) =>
        reply({ echo: message.data }),
      )
      srv.app.bayeux.addService('/service/fails', (_session, _message, _reply, fail) =>
        fail({ reason: 'nope' }),
      )
      const alice = createCometD(srv.bayeuxUrl, transport)
      const bob = createCometD(srv.bayeuxUrl, transport)
      clients.push(alice, bob)
      await handshake(alice)
      await handshake(bob)
      const bobGot: unknown[] = []
      bob.addListener('/service/echo', (m) => bobGot.push(m.data))

      const answers: unknown[] = []
      alice.addListener('/service/echo', (m) => answers.push(m.data))
      assert.equal((await publish(alice, '/service/echo', 'ping')).successful, true)
      await waitFor(() => answers.length === 1)
      assert.deepEqual(answers, [{ echo: 'ping' }])

      const result = await remoteCall(alice, 'echo', { n: 1 })
      assert.equal(result.successful, true)
      assert.deepEqual(result.data, { echo: { n: 1 } })
      const failed = await remoteCall(alice, 'fails', null)
      assert.equal(failed.successful, false)
      assert.deepEqual(failed.data, { reason: 'nope' })
      assert.deepEqual(bobGot, [], 'service replies reach the requester only')
    },
  )

  test(
    `cometd ${transport}: re-handshakes after the server forgets the session`,
    { timeout: 20_000 },
    async (t) => {
      const { srv, clients } = await setup(t)
      const alice = createCometD(srv.bayeuxUrl, transport)
      const bob = createCometD(srv.bayeuxUrl, transport)
      clients.push(alice, bob)
      const received: unknown[] = []
      // The usual CometD pattern: (re)subscribe in the /meta/handshake listener (§8.3.4).
      bob.addListener('/meta/handshake', (m) => {
        if (m.successful) bob.batch(() => bob.subscribe('/doc/1', (d) => received.push(d.data)))
      })
      await handshake(alice)
      await handshake(bob)
      const firstId = bob.getClientId()
      assert.ok(firstId)
      await waitFor(
        () => srv.app.bayeux.getSession(firstId)?.isConnected && hasSubscribed(srv, firstId),
      )

      assert.equal(srv.app.bayeux.dropSession(firstId), true)
      const secondId = await waitFor(
        () => {
          const id = bob.getClientId()
          return id !== firstId && id && bob.getStatus() === 'connected' && hasSubscribed(srv, id)
            ? id
            : undefined
        },
        { timeoutMs: 10_000 },
      )
      assert.notEqual(secondId, firstId)
      await publish(alice, '/doc/1', 'after')
      await waitFor(() => received.includes('after'))
    },
  )

  test(
    `cometd ${transport}: the ack extension redelivers after a dropped connection`,
    { timeout: 20_000 },
    async (t) => {
      const { srv, clients } = await setup(t)
      const sockets = new Set<Socket>()
      srv.app.server.on('connection', (socket: Socket) => sockets.add(socket))
      let dropNext = false
      // Destroy every socket just before the connect reply carrying the message is written.
      srv.app.bayeux.addExtension({
        outgoing(message) {
          if (message.channel !== '/meta/connect' || !dropNext) return
          dropNext = false
          for (const socket of sockets) socket.destroy()
        },
      })
      const bob = createCometD(srv.bayeuxUrl, transport, { ack: true })
      clients.push(bob)
      const received: unknown[] = []
      const hs = await handshake(bob)
      assert.deepEqual(hs.ext && (hs.ext as { ack?: unknown }).ack, true)
      await subscribe(bob, '/feed', (m) => received.push(m.data))
      const id = bob.getClientId()
      assert.ok(id)
      await waitFor(() => srv.app.bayeux.getSession(id) && bob.getStatus() === 'connected')

      dropNext = true
      srv.app.bayeux.publish('/feed', 'reliable')
      await waitFor(() => received.includes('reliable'), { timeoutMs: 10_000 })
      assert.equal(dropNext, false, 'the reply carrying the message was dropped')
      assert.equal(bob.getClientId(), id, 'redelivered within the same session')
    },
  )

  test(
    `cometd ${transport}: a server-initiated disconnect stops the client`,
    { timeout: 20_000 },
    async (t) => {
      const { srv, clients } = await setup(t)
      const bob = createCometD(srv.bayeuxUrl, transport)
      clients.push(bob)
      const notices: unknown[] = []
      bob.addListener('/meta/disconnect', (m) => notices.push(m.successful))
      await handshake(bob)
      const id = bob.getClientId()
      assert.ok(id)
      await waitFor(
        () => bob.getStatus() === 'connected' && srv.app.bayeux.getSession(id)?.state === 'polling',
      )
      srv.app.bayeux.getSession(id)?.disconnect()
      await waitFor(() => bob.isDisconnected())
      assert.deepEqual(notices, [true])
      assert.equal(srv.app.bayeux.getSession(id), undefined)
    },
  )
}

function hasSubscribed(srv: TestServer, clientId: string): boolean {
  return srv.app.bayeux.getSession(clientId)?.subscriptions.has('/doc/1') ?? false
}
