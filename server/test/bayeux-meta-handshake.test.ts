// /meta/handshake: whole reply objects, error strings and advice included (bayeux-notes §1.6.1,
// traps 5 and 9), over long-polling and websocket.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { RawHttp, RawWs, clientIdOf } from './bayeux-raw.ts'
import { startTestServer } from './harness.ts'

const types = ['websocket', 'long-polling', 'callback-polling']
const advice = { reconnect: 'retry', interval: 0, timeout: 30_000 }
const request = {
  id: '1',
  channel: '/meta/handshake',
  version: '1.0',
  minimumVersion: '1.0',
  supportedConnectionTypes: ['websocket', 'long-polling', 'callback-polling'],
  advice: { timeout: 60_000, interval: 0 },
}

test(
  'a successful handshake over long-polling: reply, cookie, content type',
  { timeout: 10_000 },
  async (t) => {
    const srv = await startTestServer()
    t.after(() => srv.close())
    const added: string[] = []
    srv.app.bayeux.on('sessionAdded', (session) => added.push(session.id))
    const http = new RawHttp(srv)
    const res = await http.post('/handshake', [{ ...request, ext: { tandem: { token: 't' } } }])
    assert.equal(res.status, 200)
    assert.equal(res.headers.get('content-type'), 'application/json;charset=UTF-8')
    const clientId = clientIdOf(res.body)
    assert.match(clientId, /^[0-9a-z]{25,}$/, '160 random bits in base 36')
    assert.deepEqual(res.body, [
      {
        id: '1',
        channel: '/meta/handshake',
        version: '1.0',
        minimumVersion: '1.0',
        supportedConnectionTypes: types,
        clientId,
        successful: true,
        advice,
      },
    ])
    const cookie = res.headers.get('set-cookie') ?? ''
    assert.match(cookie, /^BAYEUX_BROWSER=[\w-]{16}; Path=\/; HttpOnly$/)
    assert.deepEqual(added, [clientId])
    const session = srv.app.bayeux.getSession(clientId)
    assert.deepEqual(session?.handshakeExt, { tandem: { token: 't' } })
    assert.equal(session?.browserId, http.cookies.get('BAYEUX_BROWSER'))
    assert.equal(session?.transport, null)

    // The same browser keeps its cookie: a second handshake sets none.
    const again = await http.post('/handshake', [request])
    assert.equal(again.headers.get('set-cookie'), null)
    assert.notEqual(clientIdOf(again.body), clientId)
  },
)

test(
  'a handshake over websocket gets the same reply; the 101 sets the browser cookie',
  { timeout: 10_000 },
  async (t) => {
    const srv = await startTestServer()
    t.after(() => srv.close())
    const ws = await RawWs.open(srv)
    t.after(() => ws.close())
    assert.match(ws.upgradeCookies[0] ?? '', /^BAYEUX_BROWSER=[\w-]{16}; Path=\/; HttpOnly$/)
    ws.send([request])
    const replies = await ws.next()
    const clientId = clientIdOf(replies)
    assert.deepEqual(replies, [
      {
        id: '1',
        channel: '/meta/handshake',
        version: '1.0',
        minimumVersion: '1.0',
        supportedConnectionTypes: types,
        clientId,
        successful: true,
        advice,
      },
    ])
  },
)

test(
  'the ack extension is negotiated with boolean true (and the book\'s "true")',
  { timeout: 10_000 },
  async (t) => {
    const srv = await startTestServer()
    t.after(() => srv.close())
    const http = new RawHttp(srv)
    for (const ack of [true, 'true']) {
      const res = await http.post('/handshake', [{ ...request, ext: { ack } }])
      assert.deepEqual(res.body?.[0] && 'ext' in res.body[0] ? res.body[0].ext : undefined, {
        ack: true,
      })
    }
    const off = await http.post('/handshake', [{ ...request, ext: { ack: false } }])
    assert.equal(off.body?.[0] && 'ext' in off.body[0], false)

    const disabled = await startTestServer({ bayeux: { ackExtension: false } })
    t.after(() => disabled.close())
    const res = await new RawHttp(disabled).post('/handshake', [{ ...request, ext: { ack: true } }])
    assert.equal(res.body?.[0] && 'ext' in res.body[0], false)
  },
)

test(
  'timesync: the reply carries {tc, ts, p, a} when the client is off target',
  { timeout: 10_000 },
  async (t) => {
    const srv = await startTestServer()
    t.after(() => srv.close())
    const tc = Date.now() - 10_000
    const res = await new RawHttp(srv).post('/handshake', [
      { ...request, ext: { timesync: { tc, l: 0, o: 0 } } },
    ])
    const ext = res.body?.[0] && 'ext' in res.body[0] ? res.body[0].ext : undefined
    const sync = ext?.timesync as { tc: number; ts: number; p: number; a: number }
    assert.equal(sync.tc, tc)
    assert.ok(Math.abs(sync.ts - Date.now()) < 5_000)
    assert.ok(sync.p >= 0 && sync.p < 1_000)
    assert.equal(sync.a, tc - sync.ts)
  },
)

test(
  'refusals: version missing, no common connection type, too many sessions',
  { timeout: 10_000 },
  async (t) => {
    const srv = await startTestServer({
      bayeux: { maxSessions: 1, transports: ['websocket', 'long-polling'] },
    })
    t.after(() => srv.close())
    const http = new RawHttp(srv)
    const offered = ['websocket', 'long-polling']
    const base = {
      id: '1',
      channel: '/meta/handshake',
      version: '1.0',
      minimumVersion: '1.0',
      supportedConnectionTypes: offered,
    }
    const { version: _v, ...noVersion } = request
    assert.deepEqual((await http.post('/handshake', [noVersion])).body, [
      { ...base, successful: false, error: '400::version_missing', advice: { reconnect: 'none' } },
    ])
    const onlyJsonp = { ...request, supportedConnectionTypes: ['callback-polling', 'iframe'] }
    assert.deepEqual((await http.post('/handshake', [onlyJsonp])).body, [
      {
        ...base,
        successful: false,
        error: '400::connection_types_unsupported',
        advice: { reconnect: 'none' },
      },
    ])
    await http.handshake()
    assert.deepEqual((await http.post('/handshake', [request])).body, [
      {
        ...base,
        successful: false,
        error: '503::too_many_sessions',
        advice: { reconnect: 'handshake', interval: 5_000 },
      },
    ])
  },
)

test(
  "a security policy denial: 403::Handshake denied with advice none, or the policy's own reply",
  { timeout: 10_000 },
  async (t) => {
    const srv = await startTestServer()
    t.after(() => srv.close())
    const http = new RawHttp(srv)
    const added: unknown[] = []
    srv.app.bayeux.on('sessionAdded', (s) => added.push(s))
    srv.app.bayeux.setSecurityPolicy({
      canHandshake(_session, message, reply) {
        const token = (message.ext?.auth as { token?: string } | undefined)?.token
        if (token === 'good') return true
        if (token === 'retry') {
          reply.advice = { reconnect: 'handshake', interval: 500 }
          reply.ext = { auth: { failureReason: 'expired' } }
        }
        return false
      },
    })
    const base = {
      id: '1',
      channel: '/meta/handshake',
      version: '1.0',
      minimumVersion: '1.0',
      supportedConnectionTypes: types,
    }
    assert.deepEqual((await http.post('/handshake', [request])).body, [
      { ...base, successful: false, error: '403::Handshake denied', advice: { reconnect: 'none' } },
    ])
    assert.deepEqual(
      (await http.post('/handshake', [{ ...request, ext: { auth: { token: 'retry' } } }])).body,
      [
        {
          ...base,
          successful: false,
          error: '403::Handshake denied',
          advice: { reconnect: 'handshake', interval: 500 },
          ext: { auth: { failureReason: 'expired' } },
        },
      ],
    )
    assert.deepEqual(added, [])
    const ok = await http.post('/handshake', [{ ...request, ext: { auth: { token: 'good' } } }])
    assert.equal(ok.body?.[0]?.successful, true)
    assert.equal(added.length, 1)
  },
)

test(
  'other messages batched with a handshake are ignored (App. C › Handshake)',
  { timeout: 10_000 },
  async (t) => {
    const srv = await startTestServer()
    t.after(() => srv.close())
    const res = await new RawHttp(srv).post('/handshake', [
      { channel: '/chat', data: 1, id: '0' },
      request,
      { channel: '/meta/subscribe', subscription: '/x', id: '2' },
    ])
    assert.equal(res.body?.length, 1)
    assert.equal(res.body?.[0]?.channel, '/meta/handshake')
    assert.equal(res.body?.[0]?.successful, true)
  },
)
