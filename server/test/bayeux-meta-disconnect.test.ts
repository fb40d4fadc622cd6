// /meta/disconnect: the reply, the held connect released with `reconnect: none`, 402 for
// unknown clients, and server-initiated disconnects (bayeux-notes §1.6.3).

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { RawHttp, RawWs } from './bayeux-raw.ts'
import { startTestServer, waitFor } from './harness.ts'

const advice = { reconnect: 'retry', interval: 0, timeout: 5_000 }

test(
  'disconnect releases the held connect and removes the session',
  { timeout: 10_000 },
  async (t) => {
    const srv = await startTestServer({ bayeux: { timeoutMs: 5_000 } })
    t.after(() => srv.close())
    const removed: Array<{ expired: boolean | undefined }> = []
    srv.app.bayeux.on('sessionRemoved', (_s, info) => removed.push({ expired: info?.expired }))
    const http = new RawHttp(srv)
    const clientId = await http.connected()
    const held = http.post('/connect', [
      { id: '2', channel: '/meta/connect', clientId, connectionType: 'long-polling' },
    ])
    await waitFor(() => srv.app.bayeux.getSession(clientId)?.state === 'polling')
    const res = await http.post('/disconnect', [{ id: '3', channel: '/meta/disconnect', clientId }])
    assert.deepEqual(res.body, [{ id: '3', channel: '/meta/disconnect', successful: true }])
    assert.deepEqual((await held).body, [
      { id: '2', channel: '/meta/connect', successful: true, advice: { reconnect: 'none' } },
    ])
    assert.equal(srv.app.bayeux.getSession(clientId), undefined)
    assert.deepEqual(removed, [{ expired: false }])
    const again = await http.post('/disconnect', [
      { id: '4', channel: '/meta/disconnect', clientId },
    ])
    assert.deepEqual(again.body, [
      { id: '4', channel: '/meta/disconnect', successful: false, error: '402::Unknown client' },
    ])
  },
)

test(
  'server-initiated disconnect: /meta/disconnect reaches the client on its held connect',
  { timeout: 10_000 },
  async (t) => {
    const srv = await startTestServer({ bayeux: { timeoutMs: 5_000 } })
    t.after(() => srv.close())
    const http = new RawHttp(srv)
    const clientId = await http.connected()
    const held = http.post('/connect', [
      { id: '2', channel: '/meta/connect', clientId, connectionType: 'long-polling' },
    ])
    await waitFor(() => srv.app.bayeux.getSession(clientId)?.state === 'polling')
    srv.app.bayeux.getSession(clientId)?.disconnect()
    assert.deepEqual((await held).body, [
      { channel: '/meta/disconnect', successful: true },
      { id: '2', channel: '/meta/connect', successful: true, advice: { reconnect: 'none' } },
    ])
    assert.equal(srv.app.bayeux.getSession(clientId), undefined)
  },
)

test(
  'server-initiated disconnect over websocket is pushed at once',
  { timeout: 10_000 },
  async (t) => {
    const srv = await startTestServer({ bayeux: { timeoutMs: 5_000 } })
    t.after(() => srv.close())
    const ws = await RawWs.open(srv)
    t.after(() => ws.close())
    const clientId = await ws.handshake()
    ws.send([{ id: '1', channel: '/meta/connect', clientId, connectionType: 'websocket' }])
    assert.deepEqual(await ws.next(), [
      { id: '1', channel: '/meta/connect', successful: true, advice },
    ])
    srv.app.bayeux.getSession(clientId)?.disconnect()
    assert.deepEqual(await ws.next(), [{ channel: '/meta/disconnect', successful: true }])
    ws.send([{ id: '2', channel: '/meta/disconnect', clientId }])
    assert.deepEqual(await ws.next(), [
      { id: '2', channel: '/meta/disconnect', successful: false, error: '402::Unknown client' },
    ])
  },
)
