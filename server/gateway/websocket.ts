// The WebSocket gateway at `/mobwrite`: one MobWrite request per message, one answer per
// message, in order. Push notices share the socket as JSON text, `{"sync":["<file>",…]}` and
// `{"ended":"<file>"}` (the Bayeux path's notices, DESIGN §4); an answer is MobWrite text, whose lines never start with
// `{`, so a client tells them apart by the first character.

import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocket, WebSocketServer, type RawData } from 'ws'
import { SyncError } from '../../shared/errors.ts'
import { revokedError } from '../auth/bayeux-auth.ts'
import type { GatewayRequestLike, Identity } from '../auth/identity.ts'
import type { GatewayConfig } from '../config.ts'
import type { PushNotice } from '../sync/service.ts'
import { errorLine, terminate } from './answer.ts'
import { refusalAnswer, type GatewayCore } from './core.ts'
import { decodeForm } from './form.ts'

/** Push sessions of this gateway are named `mobwrite-ws:<uuid>` in the sync service. */
export const wsSessionPrefix = 'mobwrite-ws:'

/** Close codes of the `/mobwrite` socket. */
export const WsCloseCode = {
  /**
   * The identity was refused (bad token, anonymous disabled) or its token was revoked while the
   * socket was open; an `E:all:` message came first.
   */
  Unauthorized: 4401,
  /** More than `gateway.wsMaxPendingRequests` requests were waiting for answers. */
  TooManyPending: 4429,
  /** The server is shutting down. */
  GoingAway: 1001,
} as const

/** Dependencies of {@link createWebSocketGateway}. */
export interface WebSocketGatewayDeps {
  readonly core: GatewayCore
  readonly config: Pick<
    GatewayConfig,
    'wsMaxMessageBytes' | 'wsMaxPendingRequests' | 'wsPingIntervalMs' | 'wsMaxUserIdsPerSocket'
  >
  readonly resolveIdentity: (req: GatewayRequestLike) => Identity | SyncError
  /** Tells the sync service a push session ended (SyncService.dropSession). */
  readonly dropSession?: (sessionId: string) => void
  /**
   * Whether a socket's identity still stands (auth's isCurrent), asked every
   * `sessionCheckIntervalMs` (default 1 s; 0: never): a revoked token's socket is closed.
   */
  readonly isCurrent?: (identity: Identity) => boolean
  readonly sessionCheckIntervalMs?: number
}

/** The `/mobwrite` WebSocket gateway. */
export interface WebSocketGateway {
  /** Upgrade handler for the app's upgrade routing table. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void
  /** Sends a push notice when `sessionId` is one of this gateway's (`mobwrite-ws:…`); else false. */
  deliverNotice(sessionId: string, notice: PushNotice): boolean
  /** Closes every socket (1001) and stops accepting. */
  close(): Promise<void>
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

function requestLike(request: IncomingMessage): GatewayRequestLike {
  const url = request.url ?? ''
  const query = url.includes('?') ? url.slice(url.indexOf('?') + 1) : ''
  let fields = new Map<string, string>()
  try {
    fields = decodeForm(query)
  } catch {
    // An undecodable query carries no usable token: resolve as if it had none.
  }
  return {
    headers: request.headers,
    token: fields.get('token'),
    name: fields.get('name'),
    ip: request.socket.remoteAddress ?? 'unknown',
  }
}

function decodeMessage(data: RawData): string | undefined {
  const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer)
  try {
    return utf8.decode(bytes)
  } catch {
    return undefined
  }
}

// Dead peers (a laptop lid closed, a NAT timeout) are found by ping/pong, as ws's README shows:
// a socket that has not answered the previous ping when the next one is due is terminated.
function startHeartbeat(sockets: ReadonlyMap<string, WebSocket>, intervalMs: number) {
  const alive = new WeakSet<WebSocket>()
  const timer =
    intervalMs > 0
      ? setInterval(() => {
          for (const ws of sockets.values()) {
            if (!alive.delete(ws)) ws.terminate()
            else ws.ping()
          }
        }, intervalMs)
      : undefined
  timer?.unref()
  return {
    watch(ws: WebSocket) {
      alive.add(ws)
      ws.on('pong', () => alive.add(ws))
    },
    stop: () => clearInterval(timer),
  }
}

// Issue 14 finding 8: a socket whose token was revoked is told so and closed, so it neither
// sends requests nor receives pushes any more (the CLI may revoke from another process).
function startRevocationCheck(
  sockets: ReadonlyMap<string, WebSocket>,
  identities: WeakMap<WebSocket, Identity>,
  deps: WebSocketGatewayDeps,
) {
  const { isCurrent } = deps
  const intervalMs = deps.sessionCheckIntervalMs ?? 1_000
  if (!isCurrent || intervalMs <= 0) return () => {}
  const timer = setInterval(() => {
    for (const ws of sockets.values()) {
      const identity = identities.get(ws)
      if (!identity || isCurrent(identity)) continue
      const revoked = revokedError()
      ws.send(errorLine(`${revoked.code}: ${revoked.message}`))
      ws.close(WsCloseCode.Unauthorized, revoked.code)
    }
  }, intervalMs)
  timer.unref()
  return () => clearInterval(timer)
}

/** Creates the gateway; register `handleUpgrade` for `/mobwrite`. */
export function createWebSocketGateway(deps: WebSocketGatewayDeps): WebSocketGateway {
  const wss = new WebSocketServer({ noServer: true, maxPayload: deps.config.wsMaxMessageBytes })
  const sockets = new Map<string, WebSocket>()
  const heartbeat = startHeartbeat(sockets, deps.config.wsPingIntervalMs)
  const identities = new WeakMap<WebSocket, Identity>()
  const stopRevocationCheck = startRevocationCheck(sockets, identities, deps)

  function serve(ws: WebSocket, identity: Identity): void {
    const sessionId = wsSessionPrefix + randomUUID()
    sockets.set(sessionId, ws)
    identities.set(ws, identity)
    heartbeat.watch(ws)
    let pending = 0
    let queue = Promise.resolve()
    // Every u: id this socket speaks for is bound to its push session until it closes, so their
    // number is bounded per socket (issue 14: 40k ids per request grew the tracker by 1 GB).
    const userIds = { ids: new Set<string>(), max: deps.config.wsMaxUserIdsPerSocket }
    ws.on('message', (data) => {
      if (++pending > deps.config.wsMaxPendingRequests) {
        return ws.close(WsCloseCode.TooManyPending, 'Too many requests waiting for answers')
      }
      const text = decodeMessage(data)
      // Answers leave in request order: each request waits for the one before it.
      queue = queue.then(async () => {
        const answer =
          text === undefined
            ? errorLine('Request is not valid UTF-8')
            : await deps.core.answer(terminate(text), identity, { sessionId }, userIds)
        pending--
        if (ws.readyState === WebSocket.OPEN) ws.send(answer)
      })
    })
    ws.on('close', () => {
      sockets.delete(sessionId)
      deps.dropSession?.(sessionId)
    })
    ws.on('error', () => ws.terminate())
  }

  return {
    handleUpgrade(request, socket, head) {
      wss.handleUpgrade(request, socket, head, (ws) => {
        const identity = deps.resolveIdentity(requestLike(request))
        if (identity instanceof SyncError) {
          ws.send(refusalAnswer(identity))
          return ws.close(WsCloseCode.Unauthorized, identity.code)
        }
        serve(ws, identity)
      })
    },
    deliverNotice(sessionId, notice) {
      if (!sessionId.startsWith(wsSessionPrefix)) return false
      const ws = sockets.get(sessionId)
      if (ws?.readyState === WebSocket.OPEN) ws.send(JSON.stringify(notice))
      return true
    },
    async close() {
      heartbeat.stop()
      stopRevocationCheck()
      for (const ws of sockets.values()) ws.close(WsCloseCode.GoingAway, 'Server shutting down')
      await new Promise<void>((resolve) => wss.close(() => resolve()))
      for (const ws of wss.clients) ws.terminate()
    },
  }
}
