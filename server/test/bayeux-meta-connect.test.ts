// /meta/connect: immediate and held replies, 402 + handshake advice, browser binding, one held
// connect per session, multiple-clients advice, expiry, ack batches (bayeux-notes §1.6.2, §1.11,
// §3.1, traps 4, 6, 8), over long-polling, callback-polling and websocket.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { RawHttp, RawWs } from './bayeux-raw.ts'
import { startTestServer, waitFor } from './harness.ts'

const hold = 1_000
const advice = { reconnect: 'retry', interval: 0, timeout: hold }
const fast = { timeoutMs: hold, maxIntervalMs: 1_000, sweepPeriodMs: 50 }
const connect = (clientId: string, id: string, extra: object = {}) => [
  { id, channel: '/meta/connect', clientId, connectionType: 'long-polling', ...extra },
]
const unknownClient = {
  channel: '/meta/connect',
  successful: false,
  error: '402::Unknown client',
  advice: { reconnect: 'handshake', interval: 0 },
}

test(
  'the first connect is answered at once; the next is held for the timeout',
  { timeout: 10_000 },
  async (t) => {
    const srv = await startTestServer({ bayeux: fast })
    t.after(() => srv.close())
    const http = new RawHttp(srv)
    const clientId = await http.handshake()
    const started = Date.now()
    const first = await http.post('/connect', connect(clientId, '2', { advice: { timeout: 0 } }))
    assert.deepEqual(first.body, [{ id: '2', channel: '/meta/connect', successful: true, advice }])
    assert.ok(Date.now() - started < hold, 'answered at once')
    const held = Date.now()
    const second = await http.post('/connect', connect(clientId, '3'))
    assert.deepEqual(second.body, [{ id: '3', channel: '/meta/connect', successful: true, advice }])
    assert.ok(Date.now() - held >= hold - 20, 'held for advice.timeout')
    assert.equal(srv.app.bayeux.getSession(clientId)?.transport, 'long-polling')
  },
)

test(
  'a held connect returns early with deliveries first; advice.timeout 0 is not held',
  { timeout: 10_000 },
  async (t) => {
    const srv = await startTestServer({ bayeux: { ...fast, timeoutMs: 5_000 } })
    t.after(() => srv.close())
    const http = new RawHttp(srv)
    const clientId = await http.connected()
    await http.post('/', [{ id: 's', channel: '/meta/subscribe', clientId, subscription: '/news' }])
    const pending = http.post('/connect', connect(clientId, '4'))
    await waitFor(() => srv.app.bayeux.getSession(clientId) && !isIdle(srv, clientId))
    srv.app.bayeux.publish('/news', { n: 1 })
    const full = { reconnect: 'retry', interval: 0, timeout: 5_000 }
    assert.deepEqual((await pending).body, [
      { channel: '/news', data: { n: 1 } },
      { id: '4', channel: '/meta/connect', successful: true, advice: full },
    ])
    const started = Date.now()
    const quick = await http.post('/connect', connect(clientId, '5', { advice: { timeout: 0 } }))
    assert.deepEqual(quick.body, [
      { id: '5', channel: '/meta/connect', successful: true, advice: full },
    ])
    assert.ok(Date.now() - started < 1_000)
  },
)

function isIdle(srv: Awaited<ReturnType<typeof startTestServer>>, clientId: string): boolean {
  return srv.app.bayeux.getSession(clientId)?.state !== 'polling'
}

test(
  'unknown, expired or cookie-mismatched clients get 402 with handshake advice',
  { timeout: 10_000 },
  async (t) => {
    const srv = await startTestServer({ bayeux: fast })
    t.after(() => srv.close())
    const http = new RawHttp(srv)
    assert.deepEqual((await http.post('/connect', connect('nope', '1'))).body, [
      { id: '1', ...unknownClient },
    ])
    const { clientId: _c, ...noClient } = connect('x', '2')[0] ?? {}
    assert.deepEqual((await http.post('/connect', [noClient])).body, [
      { id: '2', ...unknownClient },
    ])

    const clientId = await http.connected()
    // Another browser (no cookie, or its own cookie) cannot use this clientId (§4).
    const thief = new RawHttp(srv)
    assert.deepEqual((await thief.post('/connect', connect(clientId, '3'))).body, [
      { id: '3', ...unknownClient },
    ])
    await thief.handshake()
    assert.deepEqual((await thief.post('/connect', connect(clientId, '4'))).body, [
      { id: '4', ...unknownClient },
    ])
    assert.ok(srv.app.bayeux.getSession(clientId), 'the real session is untouched')

    // Expiry: no connect for maxInterval → removed (expired) by the sweeper.
    const removed: Array<{ id: string; expired: boolean | undefined }> = []
    srv.app.bayeux.on('sessionRemoved', (s, info) =>
      removed.push({ id: s.id, expired: info?.expired }),
    )
    await waitFor(() => removed.some((r) => r.id === clientId), { timeoutMs: 5_000 })
    assert.deepEqual(
      removed.find((r) => r.id === clientId),
      { id: clientId, expired: true },
    )
    assert.deepEqual((await http.post('/connect', connect(clientId, '5'))).body, [
      { id: '5', ...unknownClient },
    ])
  },
)

test('trustClientSession accepts a clientId without its cookie', { timeout: 10_000 }, async (t) => {
  const srv = await startTestServer({ bayeux: { ...fast, trustClientSession: true } })
  t.after(() => srv.close())
  const clientId = await new RawHttp(srv).connected()
  const other = await new RawHttp(srv).post(
    '/connect',
    connect(clientId, '1', { advice: { timeout: 0 } }),
  )
  assert.equal(other.body?.[0]?.successful, true)
})

test(
  'a newer connect releases the held one without its deliveries',
  { timeout: 10_000 },
  async (t) => {
    const srv = await startTestServer({ bayeux: { ...fast, timeoutMs: 5_000 } })
    t.after(() => srv.close())
    const http = new RawHttp(srv)
    const clientId = await http.connected()
    const started = Date.now()
    const old = http.post('/connect', connect(clientId, '2'))
    await waitFor(() => !isIdle(srv, clientId))
    const fresh = http.post('/connect', connect(clientId, '3'))
    const full = { reconnect: 'retry', interval: 0, timeout: 5_000 }
    assert.deepEqual((await old).body, [
      { id: '2', channel: '/meta/connect', successful: true, advice: full },
    ])
    assert.ok(Date.now() - started < 2_000)
    await waitFor(() => !isIdle(srv, clientId))
    srv.app.bayeux.deliver(clientId, '/private', 'hi')
    assert.deepEqual((await fresh).body, [
      { channel: '/private', data: 'hi' },
      { id: '3', channel: '/meta/connect', successful: true, advice: full },
    ])
  },
)

test(
  'multiple-clients: a second long poll from one browser is told to poll',
  { timeout: 10_000 },
  async (t) => {
    const srv = await startTestServer({
      bayeux: { ...fast, timeoutMs: 5_000, multiSessionIntervalMs: 1_500 },
    })
    t.after(() => srv.close())
    const browser = new RawHttp(srv)
    const tab1 = await browser.connected()
    const tab2 = await browser.connected()
    const first = browser.post('/connect', connect(tab1, '1'))
    await waitFor(() => !isIdle(srv, tab1))
    const started = Date.now()
    const second = await browser.post('/connect', connect(tab2, '2'))
    assert.ok(Date.now() - started < 1_000, 'not held')
    assert.deepEqual(second.body, [
      {
        id: '2',
        channel: '/meta/connect',
        successful: true,
        advice: { reconnect: 'retry', interval: 1_500, timeout: 5_000, 'multiple-clients': true },
      },
    ])
    srv.app.bayeux.deliver(tab1, '/x', 1)
    await first

    const strict = await startTestServer({
      bayeux: { ...fast, timeoutMs: 5_000, multiSessionIntervalMs: 0 },
    })
    t.after(() => strict.close())
    const b2 = new RawHttp(strict)
    const a = await b2.connected()
    const b = await b2.connected()
    const held = b2.post('/connect', connect(a, '1'))
    await waitFor(() => !isIdle(strict, a))
    assert.deepEqual((await b2.post('/connect', connect(b, '2'))).body, [
      {
        id: '2',
        channel: '/meta/connect',
        successful: false,
        error: '409::multiple_clients',
        advice: { reconnect: 'none' },
      },
    ])
    strict.app.bayeux.deliver(a, '/x', 1)
    await held
  },
)

test(
  'ack: batches are numbered, re-sent until acknowledged, and force an immediate connect',
  { timeout: 10_000 },
  async (t) => {
    const srv = await startTestServer({ bayeux: { ...fast, timeoutMs: 5_000 } })
    t.after(() => srv.close())
    const http = new RawHttp(srv)
    const clientId = await http.handshake({ ack: true })
    const full = { reconnect: 'retry', interval: 0, timeout: 5_000 }
    const reply = (id: string, ack: number) => ({
      id,
      channel: '/meta/connect',
      successful: true,
      advice: full,
      ext: { ack },
    })
    assert.deepEqual((await http.post('/connect', connect(clientId, '1'))).body, [reply('1', 1)])
    srv.app.bayeux.deliver(clientId, '/m', 'a')
    // Deliveries wait for /meta/connect even when another request could carry them.
    const other = await http.post('/', [{ id: 'p', channel: '/chat', clientId, data: 0 }])
    assert.deepEqual(other.body, [{ id: 'p', channel: '/chat', successful: true }])
    assert.deepEqual(
      (await http.post('/connect', connect(clientId, '2', { ext: { ack: 1 } }))).body,
      [{ channel: '/m', data: 'a' }, reply('2', 2)],
    )
    // The reply carrying batch 2 was "lost": the client acks 1 again and gets it re-sent at once.
    srv.app.bayeux.deliver(clientId, '/m', 'b')
    assert.deepEqual(
      (await http.post('/connect', connect(clientId, '3', { ext: { ack: 1 } }))).body,
      [{ channel: '/m', data: 'a' }, { channel: '/m', data: 'b' }, reply('3', 3)],
    )
    const started = Date.now()
    const quick = await http.post(
      '/connect',
      connect(clientId, '4', { ext: { ack: 2 }, advice: { timeout: 0 } }),
    )
    assert.deepEqual(quick.body, [{ channel: '/m', data: 'b' }, reply('4', 4)])
    assert.ok(Date.now() - started < 1_000)
  },
)

test(
  'callback-polling: JSONP replies, held connects, 400 without a valid callback',
  { timeout: 10_000 },
  async (t) => {
    const srv = await startTestServer({ bayeux: fast })
    t.after(() => srv.close())
    const http = new RawHttp(srv)
    const hs = await http.jsonp('/handshake', 'cb_1', [
      {
        id: '1',
        channel: '/meta/handshake',
        version: '1.0',
        supportedConnectionTypes: ['callback-polling'],
      },
    ])
    assert.equal(hs.status, 200)
    assert.equal(hs.headers.get('content-type'), 'text/javascript;charset=UTF-8')
    const clientId = /"clientId":"(\w+)"/.exec(hs.text)?.[1] ?? ''
    assert.match(
      hs.text,
      /^cb_1\(\[\{"id":"1","channel":"\/meta\/handshake",.*"successful":true.*\}\]\)$/,
    )
    const request = [
      { id: '2', channel: '/meta/connect', clientId, connectionType: 'callback-polling' },
    ]
    const first = await http.jsonp('/connect', 'cb_2', request)
    assert.equal(
      first.text,
      `cb_2(${JSON.stringify([{ id: '2', channel: '/meta/connect', successful: true, advice }])})`,
    )
    assert.equal(srv.app.bayeux.getSession(clientId)?.transport, 'callback-polling')
    for (const bad of ['', 'x'.repeat(65), 'alert(1)//', 'a b']) {
      const res = await http.jsonp('/connect', bad, request)
      assert.equal(res.status, 400, `jsonp=${JSON.stringify(bad)}`)
      assert.equal(res.text, 'Unknown Bayeux Transport')
    }
    assert.equal((await http.request('/connect', { method: 'GET' })).status, 400)
  },
)

test(
  'websocket: deliveries are pushed without waking the held connect',
  { timeout: 10_000 },
  async (t) => {
    const srv = await startTestServer({ bayeux: { ...fast, timeoutMs: 5_000 } })
    t.after(() => srv.close())
    const ws = await RawWs.open(srv)
    t.after(() => ws.close())
    const clientId = await ws.handshake()
    const wsConnect = (id: string) => [
      { id, channel: '/meta/connect', clientId, connectionType: 'websocket' },
    ]
    const full = { reconnect: 'retry', interval: 0, timeout: 5_000 }
    ws.send(wsConnect('1'))
    assert.deepEqual(await ws.next(), [
      { id: '1', channel: '/meta/connect', successful: true, advice: full },
    ])
    ws.send(wsConnect('2'))
    await waitFor(() => !isIdle(srv, clientId))
    srv.app.bayeux.deliver(clientId, '/direct', 'now')
    assert.deepEqual(await ws.next(), [{ channel: '/direct', data: 'now' }])
    assert.equal(isIdle(srv, clientId), false, 'the connect is still held')
    ws.send([{ id: '3', channel: '/meta/disconnect', clientId }])
    const replies = [await ws.next(), await ws.next()].flat()
    assert.deepEqual(
      replies.sort((a, b) => (a.id ?? '').localeCompare(b.id ?? '')),
      [
        { id: '2', channel: '/meta/connect', successful: true, advice: { reconnect: 'none' } },
        { id: '3', channel: '/meta/disconnect', successful: true },
      ],
    )
  },
)

test(
  'websocket: a new socket adopts the session only with the same browser cookie',
  { timeout: 10_000 },
  async (t) => {
    const srv = await startTestServer({ bayeux: fast })
    t.after(() => srv.close())
    const first = await RawWs.open(srv)
    t.after(() => first.close())
    const clientId = await first.handshake()
    const cookie = (first.upgradeCookies[0] ?? '').split(';')[0] ?? ''
    first.close()
    const request = [
      {
        id: '1',
        channel: '/meta/connect',
        clientId,
        connectionType: 'websocket',
        advice: { timeout: 0 },
      },
    ]
    const stranger = await RawWs.open(srv)
    t.after(() => stranger.close())
    stranger.send(request)
    assert.deepEqual(await stranger.next(), [{ id: '1', ...unknownClient }])
    const same = await RawWs.open(srv, cookie)
    t.after(() => same.close())
    same.send(request)
    assert.deepEqual(await same.next(), [
      { id: '1', channel: '/meta/connect', successful: true, advice },
    ])
  },
)
