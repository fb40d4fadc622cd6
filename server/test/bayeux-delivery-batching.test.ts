// Deliveries queued in one tick leave together (Faye's 0 ms flush): a publish batch that fans
// out to a session wakes its held /meta/connect once, or pushes one WebSocket frame, with every
// message in publish order; the ack extension numbers that response as one batch.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { BayeuxMessage, ReplyMessage } from '../../shared/bayeux/message.ts'
import { RawHttp, RawWs } from './bayeux-raw.ts'
import { startTestServer, type TestServer, waitFor } from './harness.ts'

const bayeux = { timeoutMs: 5_000, maxIntervalMs: 10_000, maxSessionsPerBrowser: 10 }
const batchOf = (size: number, clientId: string) =>
  Array.from({ length: size }, (_, n) => ({
    id: `p${n}`,
    channel: n % 2 === 0 ? '/news' : '/sport',
    clientId,
    data: { n },
  }))
const deliveries = (replies: ReplyMessage[] | undefined): BayeuxMessage[] =>
  (replies ?? []).filter((m): m is BayeuxMessage => 'data' in m && !m.channel.startsWith('/meta/'))

const connect = (clientId: string, id: string, extra: object = {}, type = 'long-polling') => [
  { id, channel: '/meta/connect', clientId, connectionType: type, ...extra },
]

async function held(srv: TestServer, clientId: string): Promise<void> {
  await waitFor(() => srv.app.bayeux.getSession(clientId)?.state === 'polling')
}

async function subscribedHttp(srv: TestServer, ext?: Record<string, unknown>) {
  const http = new RawHttp(srv)
  const clientId = await http.connected(ext)
  const subscription = ['/news', '/sport']
  await http.post('/', [{ id: 's', channel: '/meta/subscribe', clientId, subscription }])
  return { http, clientId }
}

test(
  'long-polling: a publish batch of 10 arrives in one /meta/connect response, in order',
  { timeout: 10_000 },
  async (t) => {
    const srv = await startTestServer({ bayeux })
    t.after(() => srv.close())
    const reader = await subscribedHttp(srv)
    const writer = new RawHttp(srv)
    const writerId = await writer.connected()
    const pending = reader.http.post('/connect', connect(reader.clientId, 'c1'))
    await held(srv, reader.clientId)
    const acks = await writer.post('/', batchOf(10, writerId))
    assert.equal(acks.body?.length, 10)
    const { body: response, headers, text } = await pending
    // Sized, so node writes headers and body at once instead of chunks.
    assert.equal(headers.get('content-length'), String(Buffer.byteLength(text)))
    assert.equal(headers.get('transfer-encoding'), null)
    assert.deepEqual(
      deliveries(response).map((m) => m.data),
      Array.from({ length: 10 }, (_, n) => ({ n })),
    )
    assert.equal(response?.at(-1)?.channel, '/meta/connect')
  },
)

test(
  'long-polling with acks: the batch is one ack batch, re-sent whole until acknowledged',
  { timeout: 10_000 },
  async (t) => {
    const srv = await startTestServer({ bayeux })
    t.after(() => srv.close())
    const reader = await subscribedHttp(srv, { ack: true })
    const writer = new RawHttp(srv)
    const writerId = await writer.connected()
    const acked = (id: string, ack: number) => connect(reader.clientId, id, { ext: { ack } })
    const pending = reader.http.post('/connect', acked('c1', 1))
    await held(srv, reader.clientId)
    await writer.post('/', batchOf(10, writerId))
    const first = (await pending).body
    assert.equal(deliveries(first).length, 10)
    const reply = first?.at(-1)
    assert.equal(typeof (reply && 'ext' in reply ? reply.ext?.ack : undefined), 'number')
    // Not acknowledged: the whole batch comes again at once.
    const again = (await reader.http.post('/connect', acked('c2', 0))).body
    assert.deepEqual(deliveries(again), deliveries(first))
  },
)

test(
  'websocket: a publish batch of 10 is pushed to a subscriber in one frame, in order',
  { timeout: 10_000 },
  async (t) => {
    const srv = await startTestServer({ bayeux })
    t.after(() => srv.close())
    const reader = await RawWs.open(srv)
    const readerId = await reader.handshake()
    reader.send(connect(readerId, 'c0', { advice: { timeout: 0 } }, 'websocket'))
    await reader.next()
    reader.send([
      {
        id: 's',
        channel: '/meta/subscribe',
        clientId: readerId,
        subscription: ['/news', '/sport'],
      },
    ])
    await reader.next()
    reader.send(connect(readerId, 'c1', {}, 'websocket'))
    await held(srv, readerId)
    const writer = await RawWs.open(srv)
    t.after(() => (reader.close(), writer.close()))
    const writerId = await writer.handshake()
    writer.send(batchOf(10, writerId))
    const frame = await reader.next()
    assert.deepEqual(
      deliveries(frame).map((m) => m.data),
      Array.from({ length: 10 }, (_, n) => ({ n })),
    )
  },
)

// Publishes `burst` messages server-side in one tick to a reader whose connect is held, then
// one more; returns the data of the held response and of the next connect's.
async function burstToWaitingReader(srv: TestServer, burst: number): Promise<unknown[][]> {
  const reader = await subscribedHttp(srv)
  const pending = reader.http.post('/connect', connect(reader.clientId, 'c1'))
  await held(srv, reader.clientId)
  for (let n = 0; n < burst; n++) srv.app.bayeux.publish('/news', { n })
  const first = deliveries((await pending).body).map((m) => m.data)
  srv.app.bayeux.publish('/news', { n: burst })
  const next = (await reader.http.post('/connect', connect(reader.clientId, 'c2'))).body
  return [first, deliveries(next).map((m) => m.data)]
}

const numbered = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => ({ n: from + i }))

test(
  'server-side publishes in one tick share one response; later ones wait for the next connect',
  { timeout: 10_000 },
  async (t) => {
    const srv = await startTestServer({ bayeux })
    t.after(() => srv.close())
    assert.deepEqual(await burstToWaitingReader(srv, 5), [numbered(0, 5), numbered(5, 6)])
  },
)

test(
  'a burst larger than maxQueuedMessages to a waiting client is delivered, not dropped',
  { timeout: 10_000 },
  async (t) => {
    const srv = await startTestServer({ bayeux: { ...bayeux, maxQueuedMessages: 3 } })
    t.after(() => srv.close())
    assert.deepEqual(await burstToWaitingReader(srv, 5), [numbered(0, 3), numbered(3, 6)])
  },
)
