// The public types of Tandem's Bayeux server: sessions, extensions, security, transport context.
// Others (sync service, auth, gateways) code against these; keep names stable.

import type { IncomingHttpHeaders, IncomingMessage } from 'node:http'
import type { BayeuxConfig } from '../config.ts'
import type { SessionState } from './session.ts'
import type { BayeuxMessage, ConnectionType, ReplyMessage } from '../../shared/bayeux/message.ts'

/** The Bayeux server's options: the `bayeux` section of server/config.ts. */
export type BayeuxOptions = BayeuxConfig

/** A remote client's server-side half: one per successful handshake. */
export interface ServerSession {
  /** The clientId: 128+ random bits, unique. */
  readonly id: string
  /** The transport of the latest `/meta/connect`, or null before the first one. */
  readonly transport: ConnectionType | null
  /** Remote address of the request that handshook. */
  readonly remoteAddress: string
  /** The handshake message's `ext` (e.g. `ext.tandem = {token, name}`), as sent. */
  readonly handshakeExt: Readonly<Record<string, unknown>> | undefined
  /** The BAYEUX_BROWSER cookie this session is bound to (HTTP), if any. */
  readonly browserId: string | undefined
  /** Where the session is in its lifecycle (diagram in session.ts); 'polling' = connect held. */
  readonly state: SessionState
  /** Whether the session is still live (not disconnected or expired). */
  readonly isConnected: boolean
  /** The channels and patterns this session subscribes to. */
  readonly subscriptions: ReadonlySet<string>
  /** Free-form per-session data for the application (auth identity, etc.). */
  attributes: Map<string, unknown>
  /** Delivers `data` on `channel` to this session only, whatever it subscribed to. */
  deliver(channel: string, data: unknown): void
  /** Server-initiated disconnect: removes the session and tells the client (bayeux-notes §1.6.3). */
  disconnect(): void
}

/** The WebSocket connection a message arrived on. */
export interface WsConnection {
  /** Sessions trusted on this connection (handshook here, or first seen here). */
  readonly sessionIds: Set<string>
  /** Sends one frame holding `messages` as a JSON array; a no-op once closed. */
  send(messages: readonly ReplyMessage[]): void
  /** Whether the socket is still open. */
  readonly isOpen: boolean
}

/**
 * Where a batch of messages came from (CometD `BayeuxContext`, bayeux-notes §2.10). For
 * WebSocket it is built once, from the upgrade request.
 */
export interface TransportContext {
  readonly transport: ConnectionType
  readonly remoteAddress: string
  readonly headers: IncomingHttpHeaders
  readonly cookies: ReadonlyMap<string, string>
  /** The HTTP request, or the WebSocket upgrade request. */
  readonly request: IncomingMessage | undefined
  /** The browser cookie the request carried. */
  readonly browserId: string | undefined
  /** Set by a handshake that minted a browser cookie; the HTTP transport sends Set-Cookie. */
  newBrowserId?: string
  /** The WebSocket connection, for the websocket transport. */
  readonly connection?: WsConnection
  /** Aborted when the HTTP client goes away. */
  readonly signal?: AbortSignal
  /**
   * Calls `listener` once if the HTTP client goes away before its response is sent (at once if
   * it already has): releases a held `/meta/connect`. Cheaper than `signal`; HTTP only.
   */
  onClientGone?(listener: () => void): void
}

/**
 * An extension: `incoming` runs on every received message in registration order, `outgoing` on
 * every sent message in reverse order (bayeux-notes §2.3). Return the (possibly new) message,
 * `undefined` to keep it, or `null` to veto it. `request` is the message a reply answers.
 */
export interface BayeuxExtension {
  incoming?(message: BayeuxMessage, session: ServerSession | undefined): BayeuxMessage | null | void
  outgoing?(
    message: BayeuxMessage,
    session: ServerSession | undefined,
    request?: BayeuxMessage,
  ): BayeuxMessage | null | void
}

/**
 * CometD's SecurityPolicy (bayeux-notes §2.6). Missing methods allow. `canHandshake` may edit
 * `reply` (advice, ext, error) to shape the refusal; the default refusal advises `none`.
 */
export interface SecurityPolicy {
  canHandshake?(
    session: ServerSession,
    message: BayeuxMessage,
    reply: BayeuxMessage,
  ): boolean | Promise<boolean>
  canCreate?(
    session: ServerSession,
    channel: string,
    message: BayeuxMessage,
  ): boolean | Promise<boolean>
  canSubscribe?(
    session: ServerSession,
    channel: string,
    message: BayeuxMessage,
  ): boolean | Promise<boolean>
  canPublish?(
    session: ServerSession,
    channel: string,
    message: BayeuxMessage,
  ): boolean | Promise<boolean>
}

/** The operation an authorizer is asked about. */
export type AuthorizerOperation = 'create' | 'subscribe' | 'publish'

/** An authorizer's answer: grant, ignore, or deny with a reason that goes into the error string. */
export type AuthorizerResult =
  | { readonly kind: 'grant' }
  | { readonly kind: 'ignore' }
  | { readonly kind: 'deny'; readonly reason: string }

/** Decides one operation on the channel it is bound to (or a channel its pattern matches). */
export type Authorizer = (
  operation: AuthorizerOperation,
  channel: string,
  session: ServerSession,
  message: BayeuxMessage,
) => AuthorizerResult

/** A service handler bound to `/service/...` (see {@link BayeuxServer.addService}). */
export type ServiceHandler = (
  session: ServerSession,
  message: BayeuxMessage,
  reply: (data: unknown) => void,
  fail: (data: unknown) => void,
) => void | Promise<void>

/** Session events: `sessionAdded` after a granted handshake, `sessionRemoved` on any removal. */
export type SessionEvent = 'sessionAdded' | 'sessionRemoved'

/** Listener for {@link SessionEvent}s; `info.expired` tells a timeout from a disconnect. */
export type SessionListener = (session: ServerSession, info?: { expired: boolean }) => void

/** The Bayeux server: a transport-agnostic core plus the API the rest of Tandem uses. */
export interface BayeuxServer {
  /** The options in force. */
  readonly options: Readonly<BayeuxOptions>
  /**
   * Processes one request (HTTP body, JSONP parameter or WebSocket frame) in order and resolves
   * with the replies to send back, deliveries included. Resolves late only for a held
   * `/meta/connect`. Never rejects.
   */
  process(messages: unknown[], ctx: TransportContext): Promise<ReplyMessage[]>
  /**
   * Binds a handler to a `/service/...` channel (wildcards allowed). `reply(data)` delivers to
   * the requester only, on the same channel, with the request's id and `successful: true` (so it
   * is also a CometD remoteCall result); `fail(data)` does the same with `successful: false`.
   * Exceptions are caught and logged; the publish is acked as usual. Returns an unbinder.
   */
  addService(channel: string, handler: ServiceHandler): () => void
  /** Server-side publish to a broadcast channel, through the normal pipeline. */
  publish(channel: string, data: unknown): void
  /** Delivers a message to one session regardless of subscriptions. */
  deliver(session: ServerSession | string, channel: string, data: unknown): void
  /** The live session with this clientId. */
  getSession(clientId: string): ServerSession | undefined
  /** All live sessions. */
  sessions(): Iterable<ServerSession>
  /** Listens to session events; returns an unsubscriber. */
  on(event: SessionEvent, listener: SessionListener): () => void
  /** Adds an extension at the end of the pipeline; returns a remover. */
  addExtension(extension: BayeuxExtension): () => void
  /** Replaces the security policy (the default refuses only what the protocol forbids). */
  setSecurityPolicy(policy: SecurityPolicy): void
  /** Adds an authorizer to a channel or pattern (`/doc/*`, `/**`); returns a remover. */
  addAuthorizer(channelPattern: string, authorizer: Authorizer): () => void
  /** Forgets a session without telling it (as a restart would): its next message gets 402. */
  dropSession(clientId: string): boolean
  /** Answers held connects, stops timers, forgets every session. */
  close(): Promise<void>
}
