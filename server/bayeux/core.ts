// The transport-agnostic Bayeux core: sessions, queues, delivery and removal. Meta handlers
// (meta.ts, connect.ts) and publishing (publish.ts) act through it; transports call process().

import { BayeuxError } from '../../shared/bayeux/error.ts'
import type { Advice, BayeuxMessage } from '../../shared/bayeux/message.ts'
import { log, logException } from '../log.ts'
import { Extensions } from './extensions.ts'
import { SessionQuota } from './quota.ts'
import { Router } from './router.ts'
import { Security } from './security.ts'
import { Services } from './services.ts'
import { SessionImpl, SessionState } from './session.ts'
import type {
  BayeuxOptions,
  ServerSession,
  SessionEvent,
  SessionListener,
  TransportContext,
  WsConnection,
} from './types.ts'

/** The fields of a 402 reply to `/meta/connect` (trap 6): re-handshake at once. */
export const unknownClientReply: Partial<BayeuxMessage> = Object.freeze({
  successful: false,
  error: BayeuxError.UnknownClient,
  advice: Object.freeze({ reconnect: 'handshake', interval: 0 }),
})

/** How a removal answers a held `/meta/connect`. */
export interface RemoveOptions {
  /** True when the session timed out (CometD `removed(session, expired)`). */
  expired: boolean
  /** 'none': successful reply advising `none`; 'handshake': 402 advising a re-handshake. */
  release: 'none' | 'handshake'
}

/** The shared state every handler works on. */
export class BayeuxCore {
  readonly sessionMap = new Map<string, SessionImpl>()
  readonly router = new Router()
  readonly security = new Security()
  readonly extensions = new Extensions()
  readonly services = new Services()
  /** HTTP long polls currently held, per browser cookie (multiple-clients advice). */
  readonly heldPerBrowser = new Map<string, Set<SessionImpl>>()
  /** Channels that exist (created by subscribe, publish, services or authorizers). */
  readonly channels = new Map<string, number>()
  readonly #listeners = new Map<SessionEvent, Set<SessionListener>>()
  /** Sessions with deliveries queued this tick, flushed together once the tick's work is done. */
  #flushSoon = new Set<SessionImpl>()
  isStopping = false
  /** Sessions per address and per browser (handshake floods, issue 14). */
  readonly quota: SessionQuota

  constructor(readonly options: Readonly<BayeuxOptions>) {
    this.quota = new SessionQuota(options)
  }

  /** The full advice of successful handshake and connect replies (trap 8). */
  advice(): Advice {
    return {
      reconnect: 'retry',
      interval: this.options.intervalMs,
      timeout: this.options.timeoutMs,
    }
  }

  /**
   * The session a message belongs to, under CometD's binding rules (bayeux-notes §4): a clientId
   * alone never grants a session. Over HTTP the session must be bound to the request's
   * BAYEUX_BROWSER cookie; over WebSocket the connection it handshook on (or adopted) is
   * trusted, and a new connection adopts it only with the same cookie (the upgrade's), unless
   * `requireHandshakePerConnection`. `trustClientSession` turns the cookie checks off.
   */
  findSession(clientId: unknown, ctx: TransportContext): SessionImpl | undefined {
    if (typeof clientId !== 'string') return undefined
    const session = this.sessionMap.get(clientId)
    if (!session) return undefined
    const connection = ctx.connection
    if (connection?.sessionIds.has(clientId)) return session
    if (connection && this.options.requireHandshakePerConnection) return undefined
    const isSameBrowser = session.browserId !== undefined && session.browserId === ctx.browserId
    if (!isSameBrowser && !this.options.trustClientSession) return undefined
    connection?.sessionIds.add(clientId)
    return session
  }

  /** Registers a session after a granted handshake. */
  addSession(session: SessionImpl): void {
    this.sessionMap.set(session.id, session)
    this.quota.added(session)
    this.emit('sessionAdded', session)
  }

  /** Called once, when the first `/meta/connect` of a session is answered. */
  sessionConnected(session: SessionImpl): void {
    this.quota.connected(session)
  }

  /** Removes a live session: answers its held connect, drops subscriptions, notifies. */
  removeSession(session: SessionImpl, { expired, release }: RemoveOptions): void {
    if (!session.isConnected) return
    this.sessionMap.delete(session.id)
    this.quota.removed(session, session.state === SessionState.Handshaken)
    this.router.unsubscribeAll(session)
    if (release === 'none') session.held?.answer(true, { advice: { reconnect: 'none' } })
    else session.held?.answer(false, unknownClientReply)
    session.setState(SessionState.Removed, expired ? 'expired' : 'removed')
    session.queue = []
    session.ack = null
    this.emit('sessionRemoved', session, { expired })
  }

  /** Queues a delivery for `session` (already through outgoing extensions); it leaves this tick. */
  enqueue(session: SessionImpl, message: BayeuxMessage): void {
    if (!session.isConnected) return
    // A client waiting for deliveries gets what this tick queued so far rather than being dropped.
    if (pendingOf(session) >= this.options.maxQueuedMessages) this.flush(session)
    if (pendingOf(session) >= this.options.maxQueuedMessages) {
      // maxQueuedMessages: the client is too slow; drop it so it re-handshakes and resyncs.
      log.warn('bayeux queue full, dropping session', { max: this.options.maxQueuedMessages })
      this.removeSession(session, { expired: false, release: 'handshake' })
      return
    }
    session.queue.push(message)
    this.flushSoon(session)
  }

  /**
   * Flushes `session` once the current tick's I/O is processed (Faye flushes on a 0 ms timer),
   * so a publish batch fanning out to it, or several publishers in the same tick, wake its held
   * `/meta/connect` once or push one WebSocket frame, not one per message.
   */
  flushSoon(session: SessionImpl): void {
    if (this.#flushSoon.size === 0) setImmediate(this.#flushDue)
    this.#flushSoon.add(session)
  }

  readonly #flushDue = (): void => {
    const due = this.#flushSoon
    this.#flushSoon = new Set()
    for (const session of due) {
      try {
        this.flush(session)
      } catch (err) {
        logException('bayeux flush failed', err)
      }
    }
  }

  /**
   * Sends what is queued, unless a request of this session is being processed (batching):
   * pushed on its socket for WebSocket, else by waking the held `/meta/connect`.
   */
  flush(session: SessionImpl): void {
    if (session.batchDepth > 0 || session.queue.length === 0 || !session.isConnected) return
    const socket = session.socket
    if (socket?.isOpen && !session.isConnectDeliveryOnly) socket.send(session.drain())
    else session.held?.answer(true)
  }

  /** Delivers `data` on `channel` to one session, through the outgoing extensions. */
  deliverTo(session: SessionImpl, channel: string, data: unknown): void {
    // A delivery without `data` would read as a publish ack to CometD (trap 2).
    this.deliverMessage(session, { channel, data: data ?? null })
  }

  /** Delivers a prepared message (service replies carry id and successful). */
  deliverMessage(session: SessionImpl, message: BayeuxMessage): void {
    const out = this.extensions.outgoing(message, session)
    if (out) this.enqueue(session, out)
  }

  /** Server-initiated disconnect: tells the client `/meta/disconnect`, then removes it. */
  disconnectSession(session: SessionImpl): void {
    if (!session.isConnected) return
    const notice = this.extensions.outgoing(
      { channel: '/meta/disconnect', successful: true },
      session,
    )
    if (notice) session.queue.push(notice)
    const socket = session.socket
    if (!session.held && socket?.isOpen) socket.send(session.drain())
    this.removeSession(session, { expired: false, release: 'none' })
  }

  /** Called by the WebSocket transport when a socket closes: sessions stay until expiry. */
  connectionClosed(connection: WsConnection): void {
    for (const id of connection.sessionIds) {
      const session = this.sessionMap.get(id)
      if (!session) continue
      if (session.socket === connection) session.socket = null
      if (session.held?.ctx.connection === connection) session.held.answer(false)
    }
  }

  /**
   * Marks activity other than `/meta/connect`: postpones an armed expiry, by
   * `unconnectedSessionTimeoutMs` only while the session never connected (issue 14).
   */
  touch(session: SessionImpl): void {
    if (Number.isFinite(session.expiresAt)) {
      const isUnconnected = session.state === SessionState.Handshaken
      const { maxIntervalMs, unconnectedSessionTimeoutMs } = this.options
      const grace = isUnconnected ? unconnectedSessionTimeoutMs : maxIntervalMs
      session.expiresAt = Math.max(session.expiresAt, Date.now() + grace)
    }
  }

  /** One sweeper pass: expires sessions and forgets idle channels (after 3 idle passes). */
  sweep(now = Date.now()): void {
    for (const session of [...this.sessionMap.values()]) {
      if (!session.held && session.expiresAt < now) {
        this.removeSession(session, { expired: true, release: 'handshake' })
      }
    }
    for (const [channel, idle] of this.channels) {
      const isUsed =
        this.router.hasSubscribers(channel) ||
        this.services.has(channel) ||
        this.security.hasAuthorizers(channel)
      if (isUsed) this.channels.set(channel, 0)
      else if (idle >= 2) this.channels.delete(channel)
      else this.channels.set(channel, idle + 1)
    }
  }

  /** Adds a session listener; returns a remover. */
  on(event: SessionEvent, listener: SessionListener): () => void {
    let set = this.#listeners.get(event)
    if (!set) this.#listeners.set(event, (set = new Set()))
    set.add(listener)
    return () => set.delete(listener)
  }

  emit(event: SessionEvent, session: ServerSession, info?: { expired: boolean }): void {
    for (const listener of [...(this.#listeners.get(event) ?? [])]) {
      try {
        listener(session, info)
      } catch (err) {
        logException(`bayeux ${event} listener threw`, err)
      }
    }
  }
}

// Deliveries not yet acknowledged by the client: queued, or sent but unacked (ack extension).
function pendingOf(session: SessionImpl): number {
  return session.queue.length + (session.ack?.unacked.length ?? 0)
}
