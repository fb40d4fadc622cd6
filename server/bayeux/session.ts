// The server half of one Bayeux client: its state machine, outbound queue, held /meta/connect
// and expiry clock (Faye connection.js, CometD ServerSessionImpl). No protocol decisions here.

import { randomBytes } from 'node:crypto'
import type { BayeuxMessage, ConnectionType } from '../../shared/bayeux/message.ts'
import { ErrorCode, SyncError } from '../../shared/errors.ts'
import type { AckState } from './ack.ts'
import type { ServerSession, TransportContext, WsConnection } from './types.ts'

/**
 * A session's lifecycle (STYLE §4.6):
 *
 * ```
 *  handshake ─► Handshaken ──connect (answered at once)──► Connected ◄───┐
 *                   │                                       │  ▲        │ answered
 *                   │                                       │  └─connect┤ (timeout, delivery,
 *                   │                                       ▼    at once│  newer connect)
 *                   │                                    Polling ───────┘
 *                   ▼                                       │
 *                Removed ◄───── disconnect / expiry / drop ─┴── (from any live state)
 * ```
 */
export const SessionState = {
  Handshaken: 'handshaken',
  Connected: 'connected',
  Polling: 'polling',
  Removed: 'removed',
} as const

/** One of {@link SessionState}. */
export type SessionState = (typeof SessionState)[keyof typeof SessionState]

const transitions: Record<SessionState, readonly SessionState[]> = {
  handshaken: ['connected', 'removed'],
  connected: ['polling', 'removed'],
  polling: ['connected', 'removed'],
  removed: [],
}

/** A `/meta/connect` being held open, with what it needs to be answered later. */
export interface HeldConnect {
  readonly request: BayeuxMessage
  readonly ctx: TransportContext
  /**
   * Answers the held request now: `deliver` says whether queued messages go with it, `override`
   * replaces reply fields (advice on disconnect, a 402 when the session is dropped).
   */
  readonly answer: (deliver: boolean, override?: Partial<BayeuxMessage>) => void
}

/** What a session needs from its server to implement `deliver` and `disconnect`. */
export interface SessionHost {
  deliverTo(session: SessionImpl, channel: string, data: unknown): void
  disconnectSession(session: SessionImpl): void
}

/** A random clientId with 160 bits from the CSPRNG (spec: at least 128), base-36. */
export function createClientId(): string {
  return BigInt('0x' + randomBytes(20).toString('hex')).toString(36)
}

/** The concrete session; the server core reads and writes its fields. */
export class SessionImpl implements ServerSession {
  readonly id = createClientId()
  readonly attributes = new Map<string, unknown>()
  readonly subscriptions = new Set<string>()
  /** Deliveries waiting for a response or a socket, in order. */
  queue: BayeuxMessage[] = []
  transport: ConnectionType | null = null
  held: HeldConnect | null = null
  /** The socket that receives pushed deliveries, for the websocket transport. */
  socket: WsConnection | null = null
  /** Absolute expiry time (ms since epoch); Infinity while a connect is held. */
  expiresAt: number
  /** Nesting depth of requests being processed for this session (deliveries wait). */
  batchDepth = 0
  /** Set when the client negotiated the ack extension. */
  ack: AckState | null = null
  #state: SessionState = SessionState.Handshaken

  constructor(
    private readonly host: SessionHost,
    readonly remoteAddress: string,
    readonly handshakeExt: Readonly<Record<string, unknown>> | undefined,
    public browserId: string | undefined,
    expiresInMs: number,
  ) {
    this.expiresAt = Date.now() + expiresInMs
  }

  /** The current state. */
  get state(): SessionState {
    return this.#state
  }

  /** Whether the session is live. */
  get isConnected(): boolean {
    return this.#state !== SessionState.Removed
  }

  /**
   * The one setter of {@link state}: rejects transitions the diagram does not allow.
   * @throws SyncError ERR_SESSION_STATE_INVALID
   */
  setState(next: SessionState, reason: string): void {
    if (next === this.#state) return
    if (!transitions[this.#state].includes(next)) {
      throw new SyncError(
        ErrorCode.ERR_SESSION_STATE_INVALID,
        `Bayeux session ${this.id}: ${this.#state} -> ${next} is not allowed (${reason})`,
      )
    }
    this.#state = next
  }

  /** Whether deliveries may only ride on `/meta/connect` replies (ack, callback-polling). */
  get isConnectDeliveryOnly(): boolean {
    return this.ack !== null || this.transport === 'callback-polling'
  }

  /** Takes every queued delivery. */
  drain(): BayeuxMessage[] {
    const out = this.queue
    this.queue = []
    return out
  }

  deliver(channel: string, data: unknown): void {
    this.host.deliverTo(this, channel, data)
  }

  disconnect(): void {
    this.host.disconnectSession(this)
  }
}
