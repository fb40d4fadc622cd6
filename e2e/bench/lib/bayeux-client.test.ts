// Validates the benchmark's thin Bayeux client against Faye 1.4.3 and its official client:
// both transports subscribe, publish and receive, in both directions, nothing lost; and its
// reconnect schedule is y-websocket's.
import assert from 'node:assert/strict'
import http from 'node:http'
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import { test } from 'node:test'
import faye from 'faye'
import WebSocket from 'ws'
import { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'
import {
  createBayeuxClient,
  reconnectBackoff,
  reconnectDelayMs,
  type BayeuxClient,
} from './bayeux-client.ts'
import { waitFor } from './rng.ts'

const { NodeAdapter } = createRequire(import.meta.url)('faye') as {
  NodeAdapter: new (options: { mount: string; timeout: number }) => {
    attach(server: http.Server): void
  }
}

test(
  'the thin Bayeux client interoperates with Faye over websocket and long-polling',
  { timeout: 20_000 },
  async (t) => {
    const server = http.createServer()
    new NodeAdapter({ mount: '/bayeux', timeout: 1 }).attach(server)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/bayeux`
    const received = new Map<string, unknown[]>()
    const sink = (name: string) => (_channel: string, data: unknown) =>
      received.set(name, [...(received.get(name) ?? []), data])
    const clients: BayeuxClient[] = []
    const official = new faye.Client(url)
    t.after(async () => {
      for (const c of clients) c.close()
      official.disconnect()
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    })
    for (const transport of ['websocket', 'long-polling'] as const) {
      const c = await createBayeuxClient({ url, transport, onMessage: sink(transport) })
      await c.subscribe(['/chat/a'])
      clients.push(c)
    }
    await official.subscribe('/chat/a', (data) => sink('faye')('/chat/a', data))

    const [ws, lp] = clients
    assert.ok(
      ws?.publish([
        { channel: '/chat/a', data: { n: 1 } },
        { channel: '/chat/a', data: { n: 2 } },
      ]),
    )
    assert.ok(lp?.publish([{ channel: '/chat/a', data: { n: 3 } }]))
    await official.publish('/chat/a', { n: 4 })

    const isComplete = (): boolean =>
      ['websocket', 'long-polling', 'faye'].every((k) => (received.get(k) ?? []).length === 4)
    assert.ok(await waitFor(isComplete, 10_000), `received: ${JSON.stringify([...received])}`)
    for (const k of ['websocket', 'long-polling', 'faye']) {
      const ns = (received.get(k) as { n: number }[]).map((d) => d.n).sort()
      assert.deepEqual(ns, [1, 2, 3, 4], k)
    }
    assert.ok((ws?.bytes.sent ?? 0) > 0 && (lp?.bytes.received ?? 0) > 0)
  },
)

test('the thin client retries on y-websocket’s schedule, so S5 compares servers only', () => {
  // WebsocketProvider keeps its cap in `maxBackoffTime`; connect: false opens nothing.
  const doc = new Y.Doc()
  const provider = new WebsocketProvider('ws://127.0.0.1:9', 'd', doc, {
    connect: false,
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
  })
  assert.equal(provider.maxBackoffTime, reconnectBackoff.maxMs)
  provider.destroy()
  doc.destroy() // and with it the awareness timer
  // y-websocket: min(2^failures * 100, maxBackoffTime).
  const delays = [0, 1, 2, 3, 4, 5, 6].map(reconnectDelayMs)
  assert.deepEqual(delays, [100, 200, 400, 800, 1600, 2500, 2500])
})
