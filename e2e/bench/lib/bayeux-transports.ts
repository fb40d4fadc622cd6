// The thin Bayeux client's two transports: websocket (one socket, frames are JSON arrays) and
// long-polling (HTTP POSTs with a keep-alive agent and one cookie jar per client, bayeux-notes
// §1.11). They count payload bytes and requests, and report messages, up and down.
import http from 'node:http'
import WebSocket from 'ws'
import type { Message, Traffic } from './bayeux-client.ts'

/** What a transport needs from its client: where to connect, where to count, whom to tell. */
export interface TransportHooks {
  url: string
  bytes: Traffic
  receive: (ms: Message[]) => void
  down: (reason: string) => void
  up: () => void
}

/** A connected transport: sends message batches (connects apart), closes. */
export interface Transport {
  send(messages: Message[], isConnect: boolean): void
  close(): void
}

/** Opens a websocket transport; `up` runs once the socket is open. */
export function openWebSocket({ url, bytes, receive, down, up }: TransportHooks): Transport {
  const ws = new WebSocket(url.replace(/^http/, 'ws'), { perMessageDeflate: false })
  let isOpen = false
  ws.on('open', () => {
    isOpen = true
    up()
  })
  ws.on('message', (raw: Buffer) => {
    bytes.received += raw.length
    receive(parseMessages(raw.toString()))
  })
  ws.on('close', () => down('websocket closed'))
  ws.on('error', () => down('websocket error'))
  return {
    send(messages) {
      if (!isOpen || ws.readyState !== WebSocket.OPEN) return
      const text = JSON.stringify(messages)
      bytes.sent += Buffer.byteLength(text)
      bytes.requests++
      ws.send(text)
    },
    close() {
      ws.removeAllListeners('close')
      ws.on('error', () => {})
      ws.terminate()
    },
  }
}

/**
 * Opens a long-polling transport: one held /meta/connect plus one other request in flight, the
 * rest queued, as the official client does with maxConnections 2 (bayeux-notes §0 trap 11).
 */
export function openLongPolling({ url, bytes, receive, down, up }: TransportHooks): Transport {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 2 })
  const cookies = new Map<string, string>()
  const queue: Message[][] = []
  let busy = false
  let isClosed = false
  const post = (messages: Message[], done: () => void): void => {
    const body = JSON.stringify(messages)
    bytes.sent += Buffer.byteLength(body)
    bytes.requests++
    const cookie = [...cookies].map(([k, v]) => `${k}=${v}`).join('; ')
    const req = http.request(url, {
      method: 'POST',
      agent,
      headers: { 'content-type': 'application/json;charset=UTF-8', ...(cookie ? { cookie } : {}) },
    })
    req.on('response', (res) => {
      for (const c of res.headers['set-cookie'] ?? []) {
        const [pair] = c.split(';')
        const eq = pair?.indexOf('=') ?? -1
        if (pair && eq > 0) cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim())
      }
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString()
        bytes.received += Buffer.byteLength(text)
        done()
        if (isClosed) return
        if (res.statusCode !== 200) return down(`HTTP ${res.statusCode}`)
        receive(parseMessages(text))
      })
    })
    req.on('error', (e) => {
      done()
      if (!isClosed) down(`HTTP error ${e.message}`)
    })
    req.end(body)
  }
  const pump = (): void => {
    if (busy || isClosed) return
    const next = queue.shift()
    if (!next) return
    busy = true
    post(next, () => {
      busy = false
      pump()
    })
  }
  setImmediate(up)
  return {
    send(messages, isConnect) {
      if (isClosed) return
      if (isConnect) return post(messages, () => {})
      queue.push(messages)
      pump()
    },
    close() {
      isClosed = true
      agent.destroy()
    },
  }
}

function parseMessages(text: string): Message[] {
  const parsed: unknown = JSON.parse(text)
  return (Array.isArray(parsed) ? parsed : [parsed]) as Message[]
}
