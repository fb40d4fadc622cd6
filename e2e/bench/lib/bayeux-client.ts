// A thin Bayeux 1.0 client for load generation (websocket and long-polling), lighter than the
// official cometd client, as the CometD benchmark uses its own. Validated against Faye in
// bayeux-client.test.ts. Honours bayeux-notes §0: every request has an id, deliveries are told
// from acks by `data`, 402 means re-handshake. One cookie jar per client (§1.11).
import {
  openLongPolling,
  openWebSocket,
  type Transport,
  type TransportHooks,
} from './bayeux-transports.ts'

/** A Bayeux message as this client reads it (only the fields it uses). */
export interface Message {
  channel: string
  id?: string
  clientId?: string
  successful?: boolean
  data?: unknown
  error?: string
  advice?: { reconnect?: string; interval?: number; timeout?: number }
  [field: string]: unknown
}

/** Options for {@link createBayeuxClient}. */
export interface BayeuxClientOptions {
  /** `http://host:port/path` of the Bayeux endpoint. */
  url: string
  transport: 'websocket' | 'long-polling'
  /** Called for every delivered (non-meta, with `data`) message. */
  onMessage: (channel: string, data: unknown) => void
  /** Handshake `ext`, e.g. Tandem's identity. */
  ext?: Record<string, unknown>
  /** Reconnect with backoff after the socket or server goes away (default false: just stop). */
  reconnect?: boolean
  /** Called after every successful (re)handshake and resubscription. */
  onConnected?: () => void
}

/** What a client put on the wire. */
export interface Traffic {
  sent: number
  received: number
  /** WebSocket frames or HTTP requests sent. */
  requests: number
}

/** A connected thin Bayeux client. */
export interface BayeuxClient {
  readonly clientId: string
  /** Payload bytes sent and received (frames or HTTP bodies), and frames or requests sent. */
  readonly bytes: Traffic
  readonly isConnected: boolean
  subscribe(channels: string[]): Promise<void>
  /** Publishes the messages in one batch (one frame or one POST); false when disconnected. */
  publish(messages: { channel: string; data: unknown }[]): boolean
  /**
   * A CometD remote call: publishes `data` on a service channel and resolves with the reply that
   * carries the same `id` (rejects when disconnected, on a failed reply or after `timeoutMs`).
   */
  call(channel: string, data: unknown, timeoutMs: number): Promise<unknown>
  close(): void
}

const requestTimeoutMs = 10_000
const maxHoldMs = 60_000
/** The first retry's delay and the longest one: y-websocket 2.1.0's WebsocketProvider defaults. */
export const reconnectBackoff = { firstMs: 100, maxMs: 2_500 } as const

/**
 * How long to wait before reconnecting after `failures` attempts that did not get back in (0 right
 * after losing a working connection). S5 compares servers, so this is y-websocket's own rule
 * (`closeWebsocketConnection`: 100 ms doubling per failure, capped at 2.5 s, no jitter) and both
 * contenders' clients retry on the same schedule: 0.1, 0.3, 0.7, 1.5, 3.1, 5.6 s after the drop.
 * The official CometD client would wait 1 s longer per failure (backoffIncrement 1000).
 */
export function reconnectDelayMs(failures: number): number {
  return Math.min(reconnectBackoff.maxMs, reconnectBackoff.firstMs * 2 ** failures)
}

/** Connects (handshake + first connect) and resolves once the client may publish. */
export async function createBayeuxClient(options: BayeuxClientOptions): Promise<BayeuxClient> {
  const client = new ThinClient(options)
  await client.start()
  return client
}

class ThinClient implements BayeuxClient {
  clientId = ''
  bytes: Traffic = { sent: 0, received: 0, requests: 0 }
  isConnected = false
  private nextId = 1
  private pending = new Map<string, (m: Message) => void>()
  // Remote calls wait for a reply with `data` (bayeux-notes §0 trap 3), so they are kept apart.
  private calls = new Map<string, (m: Message | null) => void>()
  private transport: Transport | null = null
  private subscriptions: string[] = []
  private closed = false
  private attempts = 0
  private firstStart: { resolve: () => void; reject: (e: Error) => void } | null = null

  constructor(private options: BayeuxClientOptions) {}

  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.firstStart = { resolve, reject }
      this.open()
    })
  }

  private open(): void {
    const hooks: TransportHooks = {
      url: this.options.url,
      bytes: this.bytes,
      receive: (ms) => this.receive(ms),
      down: (reason) => this.down(reason),
      up: () => void this.handshake(),
    }
    this.transport =
      this.options.transport === 'websocket' ? openWebSocket(hooks) : openLongPolling(hooks)
  }

  private async handshake(): Promise<void> {
    const reply = await this.request({
      channel: '/meta/handshake',
      version: '1.0',
      supportedConnectionTypes: [this.options.transport],
      ...(this.options.ext ? { ext: this.options.ext } : {}),
    })
    if (!reply.successful || typeof reply.clientId !== 'string')
      return this.down(`handshake: ${reply.error}`)
    this.clientId = reply.clientId
    this.connect(true)
    if (this.subscriptions.length) {
      const sub = await this.request({
        channel: '/meta/subscribe',
        clientId: this.clientId,
        subscription: this.subscriptions,
      })
      if (!sub.successful) return this.down(`subscribe: ${sub.error}`)
    }
    this.isConnected = true
    this.attempts = 0
    this.firstStart?.resolve()
    this.firstStart = null
    this.options.onConnected?.()
  }

  // Bayeux /meta/connect loop: the first carries advice.timeout 0 (bayeux-notes §0 trap 4).
  private connect(first: boolean): void {
    const message: Message = {
      channel: '/meta/connect',
      clientId: this.clientId,
      connectionType: this.options.transport,
      ...(first ? { advice: { timeout: 0 } } : {}),
    }
    void this.request(message, true).then((reply) => {
      if (this.closed || (reply.clientId !== undefined && reply.clientId !== this.clientId)) return
      if (reply.successful) return this.connect(false)
      if (reply.advice?.reconnect === 'handshake') return void this.handshake()
      this.down(`connect: ${reply.error}`)
    })
  }

  // A request without a reply in time fails like a failed reply, so the client reconnects
  // instead of waiting forever (a held connect gets the server's hold time on top).
  private request(message: Message, isConnect = false): Promise<Message> {
    const id = String(this.nextId++)
    return new Promise((resolve) => {
      const timer = setTimeout(
        () => {
          if (!this.pending.delete(id)) return
          resolve({ channel: message.channel, successful: false, error: 'no reply in time' })
        },
        requestTimeoutMs + (isConnect ? maxHoldMs : 0),
      )
      // The open transport keeps the process alive; a closed client's last connect must not.
      timer.unref()
      this.pending.set(id, (m) => {
        clearTimeout(timer)
        resolve(m)
      })
      this.transport?.send([{ ...message, id }], isConnect)
    })
  }

  private receive(messages: Message[]): void {
    for (const m of messages) {
      // A delivery has `data` and is not a meta reply (bayeux-notes §0 trap 2).
      if (m.data !== undefined && !m.channel.startsWith('/meta/')) {
        const call = m.id === undefined ? undefined : this.calls.get(m.id)
        if (call && m.id !== undefined) {
          this.calls.delete(m.id)
          call(m)
        } else this.options.onMessage(m.channel, m.data)
        continue
      }
      if (m.id !== undefined && m.successful === false && this.calls.has(m.id)) {
        this.calls.get(m.id)?.(m)
        this.calls.delete(m.id)
        continue
      }
      if (m.id === undefined) continue
      const resolve = this.pending.get(m.id)
      if (!resolve) continue
      this.pending.delete(m.id)
      resolve(m)
    }
  }

  private down(reason: string): void {
    const wasUp = this.transport !== null
    this.isConnected = false
    this.pending.clear()
    for (const call of this.calls.values()) call(null)
    this.calls.clear()
    this.transport?.close()
    this.transport = null
    if (this.firstStart && !this.options.reconnect) {
      this.firstStart.reject(new Error(`bayeux ${this.options.url}: ${reason}`))
      this.firstStart = null
    }
    if (this.closed || !this.options.reconnect || !wasUp) return
    setTimeout(() => {
      if (!this.closed && !this.transport) this.open()
    }, reconnectDelayMs(this.attempts++))
  }

  async subscribe(channels: string[]): Promise<void> {
    this.subscriptions.push(...channels)
    const reply = await this.request({
      channel: '/meta/subscribe',
      clientId: this.clientId,
      subscription: channels,
    })
    if (!reply.successful) throw new Error(`subscribe ${channels.join(',')}: ${reply.error}`)
  }

  publish(messages: { channel: string; data: unknown }[]): boolean {
    if (!this.isConnected || !this.transport) return false
    const batch = messages.map((m) => ({
      ...m,
      clientId: this.clientId,
      id: String(this.nextId++),
    }))
    this.transport.send(batch, false)
    return true
  }

  call(channel: string, data: unknown, timeoutMs: number): Promise<unknown> {
    if (!this.isConnected || !this.transport) return Promise.reject(new Error('not connected'))
    const id = String(this.nextId++)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.calls.delete(id)
        reject(new Error(`no reply to ${channel} in ${timeoutMs} ms`))
      }, timeoutMs)
      this.calls.set(id, (m) => {
        clearTimeout(timer)
        if (m?.successful === false || !m)
          reject(new Error(`${channel}: ${m?.error ?? 'disconnected'}`))
        else resolve(m.data)
      })
      this.transport?.send([{ channel, data, id, clientId: this.clientId }], false)
    })
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    if (this.isConnected)
      this.transport?.send(
        [{ channel: '/meta/disconnect', clientId: this.clientId, id: String(this.nextId++) }],
        false,
      )
    this.isConnected = false
    const t = this.transport
    this.transport = null
    setTimeout(() => t?.close(), 50)
  }
}
