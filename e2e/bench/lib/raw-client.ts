// The raw-ws floor's client: the same interface as the thin Bayeux client, but no handshake,
// no connect loop, no ids or acks (servers/raw-ws.ts).
import WebSocket from 'ws'
import type { BayeuxClient, Message } from './bayeux-client.ts'

/** Connects to the raw `ws` pub/sub floor server. */
export function createRawClient(
  url: string,
  onMessage: (channel: string, data: unknown) => void,
): Promise<BayeuxClient> {
  const ws = new WebSocket(url.replace(/^http/, 'ws'), { perMessageDeflate: false })
  const bytes = { sent: 0, received: 0, requests: 0 }
  const waiters: (() => void)[] = []
  ws.on('message', (raw: Buffer) => {
    bytes.received += raw.length
    for (const m of JSON.parse(raw.toString()) as Message[]) {
      if (m.channel === '/meta/subscribe') waiters.shift()?.()
      else onMessage(m.channel, m.data)
    }
  })
  const send = (frames: unknown[]): void => {
    const text = JSON.stringify(frames)
    bytes.sent += Buffer.byteLength(text)
    bytes.requests++
    ws.send(text)
  }
  const client: BayeuxClient = {
    clientId: 'raw',
    bytes,
    get isConnected() {
      return ws.readyState === WebSocket.OPEN
    },
    subscribe: (channels) =>
      new Promise<void>((resolve) => {
        waiters.push(resolve)
        send([{ channel: '/meta/subscribe', subscription: channels }])
      }),
    publish(messages) {
      if (ws.readyState !== WebSocket.OPEN) return false
      send(messages)
      return true
    },
    call: () => Promise.reject(new Error('the raw ws floor has no remote calls')),
    close: () => ws.terminate(),
  }
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(client))
    ws.once('error', reject)
  })
}
