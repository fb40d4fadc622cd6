// Raw Bayeux over HTTP and WebSocket for the meta-channel tests: exact bytes in, whole reply
// objects out. A RawHttp keeps one cookie jar, like one browser.

import { WebSocket } from 'ws'
import type { ReplyMessage } from '../../shared/bayeux/message.ts'
import type { TestServer } from './harness.ts'

/** An HTTP response as the tests look at it. */
export interface RawResponse {
  status: number
  headers: Headers
  text: string
  /** The parsed JSON body, or undefined when it is not JSON. */
  body: ReplyMessage[] | undefined
}

/** One browser speaking raw long-polling (and JSONP) with its own cookie jar. */
export class RawHttp {
  readonly cookies = new Map<string, string>()
  constructor(private readonly srv: TestServer) {}

  /** POSTs `body` (an object is JSON-encoded) to /bayeux + `path`. */
  async post(
    path: string,
    body: unknown,
    headers: Record<string, string> = {},
  ): Promise<RawResponse> {
    const text = typeof body === 'string' ? body : JSON.stringify(body)
    return this.#send(path, {
      method: 'POST',
      body: text,
      headers: { 'content-type': 'application/json', ...headers },
    })
  }

  /** A callback-polling GET with `jsonp` and `message` parameters. */
  async jsonp(path: string, callback: string, messages: unknown): Promise<RawResponse> {
    const query = new URLSearchParams({ jsonp: callback, message: JSON.stringify(messages) })
    return this.#send(`${path}?${query}`, { method: 'GET' })
  }

  /** Any request to /bayeux + `path`. */
  async request(path: string, init: RequestInit): Promise<RawResponse> {
    return this.#send(path, init)
  }

  /** Handshakes over long-polling and returns the clientId. */
  async handshake(ext?: Record<string, unknown>): Promise<string> {
    const res = await this.post('/handshake', [
      {
        id: 'h',
        channel: '/meta/handshake',
        version: '1.0',
        supportedConnectionTypes: ['long-polling'],
        ...(ext ? { ext } : {}),
      },
    ])
    const reply = res.body?.[0]
    if (!reply || !('clientId' in reply) || typeof reply.clientId !== 'string') {
      throw new Error(`handshake failed: ${res.text}`)
    }
    return reply.clientId
  }

  /** Handshakes and makes the first (immediate) connect. */
  async connected(ext?: Record<string, unknown>): Promise<string> {
    const clientId = await this.handshake(ext)
    await this.post('/connect', [
      { id: 'c0', channel: '/meta/connect', clientId, connectionType: 'long-polling' },
    ])
    return clientId
  }

  async #send(path: string, init: RequestInit): Promise<RawResponse> {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
    const headers = new Headers(init.headers)
    if (cookie) headers.set('cookie', cookie)
    const res = await fetch(this.srv.bayeuxUrl + path, { ...init, headers })
    for (const header of res.headers.getSetCookie()) {
      const [pair = ''] = header.split(';')
      const eq = pair.indexOf('=')
      if (eq > 0) this.cookies.set(pair.slice(0, eq), pair.slice(eq + 1))
    }
    const text = await res.text()
    let body: ReplyMessage[] | undefined
    try {
      body = JSON.parse(text) as ReplyMessage[]
    } catch {
      body = undefined
    }
    return { status: res.status, headers: res.headers, text, body }
  }
}

/** A raw WebSocket client: send arrays, await frames. */
export class RawWs {
  readonly frames: ReplyMessage[][] = []
  closed: { code: number; reason: string } | undefined
  #waiters: Array<() => void> = []
  upgradeCookies: string[] = []

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.frames.push(JSON.parse(String(data)) as ReplyMessage[])
      this.#wake()
    })
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: String(reason) }
      this.#wake()
    })
    ws.on('error', () => {})
  }

  /** Opens a socket to the server's /bayeux (optionally with a Cookie header). */
  static async open(srv: TestServer, cookie?: string): Promise<RawWs> {
    const ws = new WebSocket(srv.wsUrl, cookie ? { headers: { cookie } } : {})
    const raw = new RawWs(ws)
    ws.on('upgrade', (res) => (raw.upgradeCookies = [res.headers['set-cookie'] ?? []].flat()))
    await new Promise((resolve, reject) => {
      ws.once('open', resolve)
      ws.once('error', reject)
    })
    return raw
  }

  #wake(): void {
    for (const waiter of this.#waiters.splice(0)) waiter()
  }

  /** Sends one frame (an object is JSON-encoded). */
  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame))
  }

  /** Resolves with the next unread frame; fails after `timeoutMs`. */
  async next(timeoutMs = 3_000): Promise<ReplyMessage[]> {
    const deadline = Date.now() + timeoutMs
    while (this.#read >= this.frames.length) {
      if (this.closed) throw new Error(`socket closed ${this.closed.code} ${this.closed.reason}`)
      const left = deadline - Date.now()
      if (left <= 0) throw new Error('no frame in time')
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        this.#waiters.push(() => (clearTimeout(timer), resolve()))
      })
    }
    return this.frames[this.#read++] ?? []
  }
  #read = 0

  /** Resolves when the socket is closed, with its code and reason. */
  async closedWith(timeoutMs = 3_000): Promise<{ code: number; reason: string }> {
    const deadline = Date.now() + timeoutMs
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error('socket still open')
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50)
        this.#waiters.push(() => (clearTimeout(timer), resolve()))
      })
    }
    return this.closed
  }

  /** Handshakes over this socket; returns the clientId. */
  async handshake(ext?: Record<string, unknown>): Promise<string> {
    this.send([
      {
        id: 'h',
        channel: '/meta/handshake',
        version: '1.0',
        supportedConnectionTypes: ['websocket'],
        ...(ext ? { ext } : {}),
      },
    ])
    const [reply] = await this.next()
    if (!reply || !('clientId' in reply) || typeof reply.clientId !== 'string')
      throw new Error('handshake failed')
    return reply.clientId
  }

  close(): void {
    this.ws.terminate()
  }
}

/** The `clientId` of the first reply, for tests that then compare whole objects. */
export function clientIdOf(replies: ReplyMessage[] | undefined): string {
  const first = replies?.[0]
  if (!first || !('clientId' in first) || typeof first.clientId !== 'string')
    throw new Error('no clientId')
  return first.clientId
}
