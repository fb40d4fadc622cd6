// Interop, continued: the official CometD client with two tabs of one browser (multiple-clients
// advice, bayeux-notes §1.11) and with the timesync extension (§3.2).

import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Message } from 'cometd'
import { createCometD, disconnect, handshake, publish, subscribe } from './bayeux-clients.ts'
import { startTestServer, waitFor } from './harness.ts'

test(
  'cometd long-polling: a second tab of the same browser is told to poll, and still gets messages',
  { timeout: 20_000 },
  async (t) => {
    const srv = await startTestServer({ bayeux: { timeoutMs: 2_000, multiSessionIntervalMs: 200 } })
    const tab1 = createCometD(srv.bayeuxUrl, 'long-polling')
    const tab2 = createCometD(srv.bayeuxUrl, 'long-polling', { sameBrowserAs: tab1 })
    t.after(async () => {
      await Promise.all([disconnect(tab1), disconnect(tab2)])
      await srv.close()
    })
    let advised = 0
    for (const tab of [tab1, tab2]) {
      tab.addListener('/meta/connect', (m: Message) => {
        if (m.advice?.['multiple-clients']) advised++
      })
    }
    await handshake(tab1)
    await handshake(tab2)
    const id1 = tab1.getClientId()
    const id2 = tab2.getClientId()
    assert.ok(id1 && id2)
    const browser1 = srv.app.bayeux.getSession(id1)?.browserId
    assert.ok(browser1)
    assert.equal(srv.app.bayeux.getSession(id2)?.browserId, browser1)
    const got1: unknown[] = []
    const got2: unknown[] = []
    await subscribe(tab1, '/doc/x', (m) => got1.push(m.data))
    await subscribe(tab2, '/doc/x', (m) => got2.push(m.data))
    await waitFor(() => advised > 0, { timeoutMs: 10_000 })
    await publish(tab1, '/doc/x', 'both')
    await waitFor(() => got1.includes('both') && got2.includes('both'), { timeoutMs: 10_000 })
    assert.equal(tab1.isDisconnected() || tab2.isDisconnected(), false)
  },
)

test(
  'cometd websocket: timesync answers give the client an offset within the accuracy target',
  { timeout: 20_000 },
  async (t) => {
    const srv = await startTestServer({ bayeux: { timeoutMs: 300 } })
    const cometd = createCometD(srv.bayeuxUrl, 'websocket', { timesync: true })
    t.after(async () => {
      await disconnect(cometd)
      await srv.close()
    })
    let connects = 0
    cometd.addListener('/meta/connect', () => connects++)
    const hs = await handshake(cometd)
    const sync = (hs.ext as { timesync?: Record<string, number> } | undefined)?.timesync
    assert.ok(sync && typeof sync.tc === 'number' && typeof sync.p === 'number')
    assert.ok(typeof sync.ts === 'number' && Math.abs(sync.ts - Date.now()) < 5_000)
    await waitFor(() => connects >= 3, { timeoutMs: 5_000 })
    // One clock on loopback: the client's estimate lands within the 25 ms accuracy target.
    const extension = cometd.getExtension('timesync') as unknown as {
      getTimeOffset(): number
      getNetworkLag(): number
    }
    assert.ok(Math.abs(extension.getTimeOffset()) < 25, `offset ${extension.getTimeOffset()}`)
    assert.ok(extension.getNetworkLag() < 25, `lag ${extension.getNetworkLag()}`)
  },
)
