// Hostile and malformed input on every transport: each gets an error reply, an HTTP error or a
// clean close with a named code, never a crash or a stuck session; a bystander keeps being
// served throughout (issue 2, STYLE §4.5).

import assert from 'node:assert/strict'
import { request as httpRequest } from 'node:http'
import { test } from 'node:test'
import { WsCloseCode } from '../bayeux/transports/websocket.ts'
import { RawHttp, RawWs } from './bayeux-raw.ts'
import { startTestServer, type TestServer, waitFor } from './harness.ts'

const limits = {
  maxMessageBytes: 4_096,
  maxMessagesPerRequest: 10,
  maxChannelChars: 64,
  timeoutMs: 1_000,
  wsMaxPendingFrames: 5,
}

/** A long-polling client subscribed to /health; `check()` proves the server still serves it. */
async function bystander(srv: TestServer) {
  const http = new RawHttp(srv)
  const clientId = await http.connected()
  await http.post('/', [{ id: 's', channel: '/meta/subscribe', clientId, subscription: '/health' }])
  let n = 0
  return async () => {
    const data = `ok-${n++}`
    srv.app.bayeux.publish('/health', data)
    const res = await http.post('/connect', [
      { id: 'c', channel: '/meta/connect', clientId, connectionType: 'long-polling' },
    ])
    assert.deepEqual(res.body?.[0], { channel: '/health', data })
  }
}

test(
  'long-polling: malformed bodies, wrong types, oversized and hostile requests',
  { timeout: 20_000 },
  async (t) => {
    const srv = await startTestServer({ bayeux: limits })
    t.after(() => srv.close())
    const check = await bystander(srv)
    const http = new RawHttp(srv)
    const clientId = await http.connected()
    const badRequest = { status: 400, text: 'Unknown Bayeux Transport' }
    const post = async (body: unknown) => {
      const res = await http.post('/', body)
      return { status: res.status, text: res.text }
    }
    for (const body of ['{', 'not json', '42', '"str"', 'null', '[1,', '\u0000']) {
      assert.deepEqual(await post(body), badRequest, JSON.stringify(body))
      await check()
    }
    assert.deepEqual((await http.request('/', { method: 'PUT', body: '[]' })).status, 400)
    assert.deepEqual(await post('x'.repeat(5_000)), {
      status: 413,
      text: 'Bayeux request too large',
    })
    assert.deepEqual(await post(JSON.stringify(Array(11).fill({ channel: '/a' }))), {
      status: 413,
      text: 'Bayeux request too large',
    })
    // Deeper than bayeux.maxJsonDepth: refused before parsing (issue 14).
    assert.deepEqual(await post('['.repeat(2_000) + ']'.repeat(2_000)), {
      status: 200,
      text: '[{"successful":false,"error":"400::message_too_deep"}]',
    })
    await check()

    const res = await http.post('/', [
      1,
      'x',
      null,
      [],
      {},
      { channel: 42 },
      { channel: '/a', id: { x: 1 } },
      { channel: '/a', id: '1', clientId: 7 },
      {
        channel: '/meta/connect',
        id: '2',
        clientId,
        connectionType: 'long-polling',
        advice: { timeout: 'soon' },
      },
      { channel: '/a/' + 'x'.repeat(100), id: '3' },
    ])
    assert.deepEqual(res.body, [
      { successful: false, error: '400::message_invalid' },
      { successful: false, error: '400::message_invalid' },
      { successful: false, error: '400::message_invalid' },
      { successful: false, error: '400::message_invalid' },
      { successful: false, error: '400::channel_missing' },
      { successful: false, error: '400::channel_missing' },
      { channel: '/a', successful: false, error: '405::message_id_invalid' },
      { channel: '/a', id: '1', successful: false, error: '400::field_invalid' },
      { channel: '/meta/connect', id: '2', successful: false, error: '400::field_invalid' },
      {
        id: '3',
        channel: '/a/' + 'x'.repeat(100),
        successful: false,
        error: '405::channel_invalid',
      },
    ])
    await check()

    // Client-supplied names never reach Object.prototype.
    const hostile = await http.post('/', [
      { channel: '/__proto__', id: '4', clientId, data: { polluted: true } },
      { channel: '/meta/subscribe', id: '5', clientId: '__proto__', subscription: '/constructor' },
      JSON.parse(
        '{"channel":"/meta/connect","id":"6","clientId":"x","__proto__":{"polluted":true}}',
      ),
    ])
    assert.deepEqual(hostile.body, [
      { id: '4', channel: '/__proto__', successful: true },
      {
        id: '5',
        channel: '/meta/subscribe',
        subscription: '/constructor',
        successful: false,
        error: '402::Unknown client',
      },
      {
        id: '6',
        channel: '/meta/connect',
        successful: false,
        error: '402::Unknown client',
        advice: { reconnect: 'handshake', interval: 0 },
      },
    ])
    assert.equal(({} as Record<string, unknown>).polluted, undefined)
    await check()
  },
)

test(
  'long-polling: a client that drops its held connect leaves no stuck session',
  { timeout: 20_000 },
  async (t) => {
    const srv = await startTestServer({ bayeux: { ...limits, timeoutMs: 10_000 } })
    t.after(() => srv.close())
    const check = await bystander(srv)
    const http = new RawHttp(srv)
    const clientId = await http.connected()
    const body = JSON.stringify([
      { id: '9', channel: '/meta/connect', clientId, connectionType: 'long-polling' },
    ])
    const req = httpRequest(srv.bayeuxUrl + '/connect', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        cookie: `BAYEUX_BROWSER=${http.cookies.get('BAYEUX_BROWSER')}`,
      },
    })
    req.on('error', () => {})
    req.end(body)
    await waitFor(() => srv.app.bayeux.getSession(clientId)?.state === 'polling')
    req.destroy()
    await waitFor(() => srv.app.bayeux.getSession(clientId)?.state === 'connected')
    srv.app.bayeux.deliver(clientId, '/kept', 'still queued')
    const next = await http.post('/connect', [
      { id: '10', channel: '/meta/connect', clientId, connectionType: 'long-polling' },
    ])
    assert.deepEqual(next.body?.[0], { channel: '/kept', data: 'still queued' })
    await check()
  },
)

test(
  'callback-polling: bad callbacks, malformed and oversized messages',
  { timeout: 20_000 },
  async (t) => {
    const srv = await startTestServer({ bayeux: limits })
    t.after(() => srv.close())
    const check = await bystander(srv)
    const http = new RawHttp(srv)
    const get = async (query: string) => {
      const res = await http.request(`/connect?${query}`, { method: 'GET' })
      return { status: res.status, text: res.text }
    }
    const badRequest = { status: 400, text: 'Unknown Bayeux Transport' }
    assert.deepEqual(await get('jsonp=</script>&message=[]'), badRequest)
    assert.deepEqual(await get('jsonp=cb'), badRequest)
    assert.deepEqual(await get('jsonp=cb&message=%7B'), badRequest)
    assert.deepEqual(await get(`jsonp=cb&message=${'x'.repeat(5_000)}`), {
      status: 413,
      text: 'Bayeux request too large',
    })
    const garbage = await http.jsonp('/', 'cb', [{ channel: 5 }])
    assert.equal(garbage.text, 'cb([{"successful":false,"error":"400::channel_missing"}])')
    const unknown = await http.jsonp('/connect', 'cb', [
      { id: '1', channel: '/meta/connect', clientId: 'zz', connectionType: 'callback-polling' },
    ])
    assert.equal(
      unknown.text,
      'cb([{"id":"1","channel":"/meta/connect","successful":false,"error":"402::Unknown client","advice":{"reconnect":"handshake","interval":0}}])',
    )
    await check()
  },
)

test(
  'websocket: bad frames close with named codes; garbage messages get error replies',
  { timeout: 20_000 },
  async (t) => {
    const srv = await startTestServer({ bayeux: limits })
    t.after(() => srv.close())
    const check = await bystander(srv)
    const closeWith = async (frame: string | Buffer) => {
      const ws = await RawWs.open(srv)
      t.after(() => ws.close())
      if (Buffer.isBuffer(frame)) ws.ws.send(frame, { binary: true })
      else ws.send(frame)
      return (await ws.closedWith()).code
    }
    assert.equal(await closeWith('not json'), WsCloseCode.InvalidFrame)
    assert.equal(await closeWith('42'), WsCloseCode.InvalidFrame)
    assert.equal(await closeWith(Buffer.from('[{}]')), WsCloseCode.InvalidFrame)
    assert.equal(
      await closeWith(JSON.stringify(Array(11).fill({ channel: '/a' }))),
      WsCloseCode.TooManyMessages,
    )
    assert.equal(await closeWith('x'.repeat(5_000)), WsCloseCode.MessageTooBig)
    // A flood of frames arriving faster than they are processed (wsMaxPendingFrames is 5 here).
    const flood = await RawWs.open(srv)
    t.after(() => flood.close())
    for (let i = 0; i < 50; i++)
      flood.send([{ id: String(i), channel: '/meta/connect', clientId: 'x' }, {}])
    assert.equal((await flood.closedWith()).code, WsCloseCode.TooManyPendingFrames)
    await check()

    const ws = await RawWs.open(srv)
    t.after(() => ws.close())
    const clientId = await ws.handshake()
    ws.send([
      {},
      { channel: '/a', id: '1', clientId: 'stolen', data: 1 },
      { channel: '/meta/subscribe', id: '2', clientId, subscription: ['/ok', 3] },
    ])
    assert.deepEqual(await ws.next(), [
      { successful: false, error: '400::channel_missing' },
      { id: '1', channel: '/a', successful: false, error: '402::Unknown client' },
      {
        id: '2',
        channel: '/meta/subscribe',
        subscription: [],
        successful: false,
        error: '403::subscription_invalid',
      },
    ])
    ws.send([])
    ws.send([{ id: '3', channel: '/meta/connect', clientId, connectionType: 'websocket' }])
    assert.deepEqual(
      (await ws.next())[0]?.successful,
      true,
      'an empty frame is ignored, the socket serves on',
    )

    // A socket dropped with its connect held: the session waits for a reconnect, then expires.
    ws.send([{ id: '4', channel: '/meta/connect', clientId, connectionType: 'websocket' }])
    await waitFor(() => srv.app.bayeux.getSession(clientId)?.state === 'polling')
    ws.close()
    await waitFor(() => srv.app.bayeux.getSession(clientId)?.state === 'connected')
    await check()
  },
)
