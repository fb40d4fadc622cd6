// Hostile Bayeux clients against the server as `npm start` wires it (issue 14): nesting that
// would overflow the stack, handlers whose answer cannot be encoded, session-table floods, and
// request bodies dripped byte by byte. The server must answer each with an error and stay up.

import assert from 'node:assert/strict'
import { Agent, request as httpRequest } from 'node:http'
import { connect as netConnect } from 'node:net'
import { test } from 'node:test'
import { WebSocket } from 'ws'
import { defaultConfig } from '../config.ts'
import { createCometD, createFaye, disconnect, handshake, publish } from './bayeux-clients.ts'
import { subscribe as cometdSubscribe } from './bayeux-clients.ts'
import { RawHttp, RawWs } from './bayeux-raw.ts'
import { type DefaultServer, startDefaultServer, waitFor } from './harness.ts'

const tooDeep = '400::message_too_deep'

/** JSON text of an array nested `depth` deep. */
const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth)

const publishText = (clientId: string, id: string, data: string) =>
  `[{"id":"${id}","channel":"/chat/deep","clientId":"${clientId}","data":${data}}]`

async function wsConnected(srv: DefaultServer): Promise<{ ws: RawWs; clientId: string }> {
  const ws = await RawWs.open(srv)
  ws.send([
    {
      id: 'h',
      channel: '/meta/handshake',
      version: '1.0',
      supportedConnectionTypes: ['websocket'],
    },
  ])
  const [reply] = await ws.next()
  const clientId = String(reply && 'clientId' in reply ? reply.clientId : '')
  ws.send([{ id: 'c', channel: '/meta/connect', clientId, connectionType: 'websocket' }])
  await ws.next()
  return { ws, clientId }
}

/** A long-polling subscriber to /chat/deep; `receive()` returns what its next connect gets. */
async function subscriber(srv: DefaultServer) {
  const http = new RawHttp(srv)
  const clientId = await http.connected()
  const sub = await http.post('/', [
    { id: 's', channel: '/meta/subscribe', clientId, subscription: '/chat/deep' },
  ])
  assert.equal(sub.body?.[0]?.successful, true, sub.text)
  let n = 0
  return async () => {
    const res = await http.post('/connect', [
      { id: `c${n++}`, channel: '/meta/connect', clientId, connectionType: 'long-polling' },
    ])
    return res.body?.filter((m) => m.channel === '/chat/deep') ?? []
  }
}

test('a message nested deeper than bayeux.maxJsonDepth is refused on every transport', async (t) => {
  const srv = await startDefaultServer()
  t.after(() => srv.close())
  assert.equal(defaultConfig.bayeux.maxJsonDepth, 64)
  const receive = await subscriber(srv)
  const { ws, clientId } = await wsConnected(srv)

  // One WebSocket frame used to end the process (RangeError in serializeMessages).
  ws.send(publishText(clientId, 'p1', nested(6_000)))
  assert.deepEqual(await ws.next(), [{ successful: false, error: tooDeep }])
  // The message object is level 1: data nested 63 deep is the deepest accepted.
  ws.send(publishText(clientId, 'p2', nested(64)))
  assert.deepEqual(await ws.next(), [{ successful: false, error: tooDeep }])
  ws.send(publishText(clientId, 'p3', nested(63)))
  assert.deepEqual(await ws.next(), [{ id: 'p3', channel: '/chat/deep', successful: true }])
  // The subscriber's queue survived: it gets the accepted message, and only that one.
  const got = await receive()
  assert.equal(got.length, 1)
  assert.equal(JSON.stringify(got[0] && 'data' in got[0] ? got[0].data : null), nested(63))

  // Long-polling used to answer 500; JSONP is bounded by the URL, but refused the same way.
  const http = new RawHttp(srv)
  const lpId = await http.connected()
  const lp = await http.post('/', publishText(lpId, 'p4', nested(6_000)))
  assert.equal(lp.status, 200)
  assert.deepEqual(lp.body, [{ successful: false, error: tooDeep }])
  const single = await http.post('/', {
    id: 'p5',
    channel: '/chat/deep',
    clientId: lpId,
    ext: { a: JSON.parse(nested(63)) },
  })
  assert.deepEqual(single.body, [
    { id: 'p5', channel: '/chat/deep', successful: false, error: tooDeep },
  ])
  const query = new URLSearchParams({
    jsonp: 'cb',
    message: publishText(lpId, 'p6', nested(1_000)),
  })
  const jsonp = await http.request(`/?${query}`, { method: 'GET' })
  assert.equal(jsonp.text, `cb(${JSON.stringify([{ successful: false, error: tooDeep }])})`)

  // Everyone is still served: the socket, the subscriber and a new client.
  ws.send(publishText(clientId, 'p7', '"after"'))
  assert.deepEqual(await ws.next(), [{ id: 'p7', channel: '/chat/deep', successful: true }])
  assert.deepEqual(
    (await receive()).map((m) => ('data' in m ? m.data : undefined)),
    ['after'],
  )
  assert.ok(await new RawHttp(srv).connected())
  ws.ws.close()
})

test('a handler answer that cannot be encoded gets 500::server_error, never a crash', async (t) => {
  const srv = await startDefaultServer()
  t.after(() => srv.close())
  // Server-side code may build what no client may send: a reply too deep to stringify.
  const deep = JSON.parse(nested(20_000)) as unknown
  srv.app.bayeux.addService('/service/deep', (_session, _message, reply) => reply(deep))
  const { ws, clientId } = await wsConnected(srv)
  ws.send([{ id: 'q1', channel: '/service/deep', clientId, data: 1 }])
  // The service's answer fails; the publish ack after it still goes out.
  assert.deepEqual(await ws.next(), [
    { id: 'q1', channel: '/service/deep', successful: false, error: '500::server_error' },
    { id: 'q1', channel: '/service/deep', successful: true },
  ])
  ws.send([{ id: 'q2', channel: '/chat/x', clientId, data: 'still here' }])
  assert.deepEqual(await ws.next(), [{ id: 'q2', channel: '/chat/x', successful: true }])

  const http = new RawHttp(srv)
  const lpId = await http.connected()
  const lp = await http.post('/', [{ id: 'q3', channel: '/service/deep', clientId: lpId, data: 1 }])
  assert.equal(lp.status, 200)
  assert.deepEqual(lp.body, [
    { id: 'q3', channel: '/service/deep', successful: false, error: '500::server_error' },
    { id: 'q3', channel: '/service/deep', successful: true },
  ])
  // A push that cannot be encoded is dropped with a log line; the socket keeps working.
  srv.app.bayeux.deliver(clientId, '/chat/x', deep)
  ws.send([{ id: 'q4', channel: '/chat/x', clientId, data: 'later' }])
  assert.deepEqual(await ws.next(), [{ id: 'q4', channel: '/chat/x', successful: true }])
  ws.ws.close()
})

const handshakeMessage = {
  channel: '/meta/handshake',
  version: '1.0',
  supportedConnectionTypes: ['long-polling', 'websocket'],
}

/** POSTs a handshake from `localAddress` without cookies; resolves with the reply. */
function handshakeFrom(srv: DefaultServer, localAddress: string, agent: Agent) {
  return new Promise<{ successful?: boolean; error?: string }>((resolve, reject) => {
    const body = JSON.stringify([handshakeMessage])
    const req = httpRequest(
      `${srv.bayeuxUrl}/handshake`,
      { method: 'POST', localAddress, agent, headers: { 'content-type': 'application/json' } },
      (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => (text += chunk))
        res.on('end', () => resolve((JSON.parse(text) as Array<{ successful?: boolean }>)[0] ?? {}))
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

const countSessions = (srv: DefaultServer) => [...srv.app.bayeux.sessions()].length

test('handshake floods cannot fill the session table; real clients keep working', async (t) => {
  const srv = await startDefaultServer()
  t.after(() => srv.close())
  const options = srv.config.bayeux
  assert.equal(options.maxUnconnectedSessionsPerAddress, 256)
  assert.equal(options.maxUnconnectedSessionsPerBrowser, 32)
  assert.equal(options.unconnectedSessionTimeoutMs, 5_000)

  // HTTP without cookies: every handshake mints a browser, so the address is what counts.
  const agent = new Agent({ keepAlive: true, maxSockets: 4 })
  t.after(() => agent.destroy())
  const replies = await Promise.all(
    Array.from({ length: 400 }, () => handshakeFrom(srv, '127.0.0.2', agent)),
  )
  const granted = replies.filter((r) => r.successful).length
  assert.equal(granted, 256)
  assert.ok(replies.every((r) => r.successful || r.error === '503::too_many_unconnected_sessions'))

  // One socket shares its upgrade's browser cookie: 32 unconnected sessions per browser.
  const ws = new WebSocket(srv.wsUrl, { localAddress: '127.0.0.3' })
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))
  const frames: Array<Array<{ successful?: boolean }>> = []
  ws.on('message', (data) => frames.push(JSON.parse(String(data))))
  for (let i = 0; i < 100; i++) ws.send(JSON.stringify([handshakeMessage]))
  await waitFor(() => frames.length === 100)
  assert.equal(frames.filter(([r]) => r?.successful).length, 32)
  assert.equal(countSessions(srv), 256 + 32)

  // Real clients from another address are not affected.
  const cometd = createCometD(srv.bayeuxUrl, 'long-polling')
  t.after(() => void cometd.disconnect())
  assert.equal((await handshake(cometd)).successful, true)
  const seen: unknown[] = []
  await cometdSubscribe(cometd, '/chat/room', (m) => seen.push(m.data))
  assert.equal((await publish(cometd, '/chat/room', 'hi')).successful, true)
  await waitFor(() => seen.length === 1)
  const faye = createFaye(srv.bayeuxUrl, 'websocket')
  t.after(() => faye.client.disconnect())
  // Faye's first session is refused on its socket (cookie binding) and it re-handshakes once:
  // wait for that, as bayeux-interop-faye.test.ts does.
  faye.client.connect()
  await waitFor(() => srv.app.bayeux.getSession(faye.clientId() ?? '')?.transport === 'websocket')
  const fayeSeen: unknown[] = []
  await faye.client.subscribe('/chat/room', (data: unknown) => void fayeSeen.push(data))
  await publish(cometd, '/chat/room', 'both')
  await waitFor(() => fayeSeen.includes('both'))

  // Unconnected sessions expire within a few seconds; connected ones stay.
  await waitFor(() => countSessions(srv) <= 3, {
    timeoutMs: options.unconnectedSessionTimeoutMs + 3_000,
  })
  assert.equal((await handshakeFrom(srv, '127.0.0.2', agent)).successful, true)
  faye.client.disconnect()
  await disconnect(cometd)
  ws.close()
})

test('bayeux.maxSessionsPerAddress bounds connected sessions of one address', async (t) => {
  const srv = await startDefaultServer((c) => (c.bayeux.maxSessionsPerAddress = 5))
  t.after(() => srv.close())
  assert.equal(defaultConfig.bayeux.maxSessionsPerAddress, 10_000)
  const results: string[] = []
  for (let i = 0; i < 7; i++) {
    const http = new RawHttp(srv)
    const res = await http.post('/handshake', [handshakeMessage])
    const reply = res.body?.[0]
    if (!reply?.successful || !('clientId' in reply)) {
      results.push(String(reply && 'error' in reply ? reply.error : res.text))
      continue
    }
    await http.post('/connect', [
      { channel: '/meta/connect', clientId: reply.clientId, connectionType: 'long-polling' },
    ])
    results.push('ok')
  }
  assert.deepEqual(results, [
    ...Array(5).fill('ok'),
    '503::too_many_sessions_per_address',
    '503::too_many_sessions_per_address',
  ])
})

/** Sends a request whose body arrives one byte per `everyMs`; resolves when the server closes. */
function drip(srv: DefaultServer, path: string, everyMs: number) {
  return new Promise<{ ms: number; response: string }>((resolve) => {
    const started = Date.now()
    const socket = netConnect(srv.port, '127.0.0.1')
    let response = ''
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => (response += chunk))
    socket.write(
      `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
        'Content-Length: 1000\r\n\r\n[',
    )
    const timer = setInterval(() => socket.write(' '), everyMs)
    const done = () => {
      clearInterval(timer)
      resolve({ ms: Date.now() - started, response })
    }
    socket.on('close', done).on('error', () => {})
  })
}

test('a dripped Bayeux long-polling body is cut off at bayeux.httpBodyTimeoutMs', async (t) => {
  assert.equal(defaultConfig.bayeux.httpBodyTimeoutMs, 10_000)
  const srv = await startDefaultServer((c) => (c.bayeux.httpBodyTimeoutMs = 500))
  t.after(() => srv.close())
  for (const path of ['/bayeux', '/bayeux/connect', '/BAYEUX']) {
    const { ms, response } = await drip(srv, path, 100)
    assert.ok(ms < 3_000, `${path} stayed open ${ms} ms`)
    assert.match(response, /^HTTP\/1\.1 408 /, path)
  }
  assert.ok(await new RawHttp(srv).connected())
})
