// The Bayeux side of the browser client: one official CometD client (websocket, falling back to
// long-polling), its connection state machine, MobWrite requests as remote calls on
// /service/mobwrite (DESIGN §4) and push hints. No MobWrite logic here.

import { CometD, type Message } from 'cometd'
import { ErrorCode, SyncError } from '../../shared/errors.ts'

/**
 * Connection states of the browser client (STYLE §4.6). Only {@link Connection} changes them,
 * through one setter that rejects any transition not drawn here:
 *
 * ```
 *                start()               /meta/connect ok
 *  Unconnected ──────────▶ Connecting ──────────────────▶ Connected
 *       ▲                   ▲  ▲   │                        │   │
 *       │                   │  │   │   handshake sent       │   │
 *       │ close()           │  └───┼────────────────────────┘   │ connect or
 *       │ (from any state)  │      │ handshake failed           │ transport failed
 *       │                   │      ▼                            ▼
 *       └───────────────    └─ Disconnected ◀───────────────────┘
 *                    handshake sent │   /meta/connect ok (CometD retried)
 *                                   └──────────────────────────▶ Connected
 * ```
 */
export const ConnectionState = {
  Unconnected: 'unconnected',
  Connecting: 'connecting',
  Connected: 'connected',
  Disconnected: 'disconnected',
} as const

/** One of the values of {@link ConnectionState}. */
export type ConnectionState = (typeof ConnectionState)[keyof typeof ConnectionState]

const transitions: Record<ConnectionState, readonly ConnectionState[]> = {
  unconnected: ['connecting'],
  connecting: ['connected', 'disconnected', 'unconnected'],
  connected: ['disconnected', 'unconnected', 'connecting'],
  disconnected: ['connecting', 'connected', 'unconnected'],
}

/** Options for {@link createConnection}. */
export interface ConnectionOptions {
  /** Base URL of the Tandem server (`https://host:port`); `/bayeux` is appended. */
  readonly server: string
  /** Bearer token sent in the handshake `ext.tandem`. */
  readonly token?: string
  /** Display name sent in the handshake `ext.tandem`. */
  readonly name?: string
}

/** A live Bayeux connection that carries MobWrite requests. */
export interface Connection {
  /** The current state. */
  readonly state: ConnectionState
  /** Handshake; CometD then reconnects by itself, following the server's advice. */
  start(): void
  /** Send one MobWrite request and resolve with the answer text. Rejects on failure or timeout. */
  call(request: string, timeoutMs: number): Promise<string>
  /** Listen for state changes; returns a function that stops listening. */
  onState(listener: (state: ConnectionState, reason: string) => void): () => void
  /** Listen for push hints (`{"sync": [file, ...]}`); returns a function that stops listening. */
  onPush(listener: (files: readonly string[]) => void): () => void
  /** Listen for `{"ended": file}`: an administrator closed every view of `file`. */
  onEnded(listener: (file: string) => void): () => void
  /** Disconnect politely; resolves when the server acknowledged or after a short wait. */
  close(): Promise<void>
}

function readAnswer(message: Message): string {
  const data: unknown = message.data
  if (data && typeof data === 'object' && 'a' in data && typeof data.a === 'string') return data.a
  throw new SyncError(ErrorCode.ERR_REQUEST_INVALID, 'The server sent no MobWrite answer')
}

/** Reason prefix of a transition to Disconnected because the server refused the handshake. */
export const deniedPrefix = 'handshake denied: '

/** The message part of a Bayeux error string (`403::Token invalid` → `Token invalid`). */
export function readBayeuxError(error: string): string {
  const match = /^\d{3}:[^:]*:(.*)$/s.exec(error)
  return match?.[1] || error
}

/** The reason auth put in a refused handshake (`ext.tandem.error.message`), or null. */
function readTandemError(ext: unknown): string | null {
  if (!ext || typeof ext !== 'object' || !('tandem' in ext)) return null
  const tandem: unknown = ext.tandem
  if (!tandem || typeof tandem !== 'object' || !('error' in tandem)) return null
  const error: unknown = tandem.error
  if (!error || typeof error !== 'object' || !('message' in error)) return null
  return typeof error.message === 'string' ? error.message : null
}

// An HTTP refusal before Bayeux (the edge's Origin check, 403 `{code, message}` with CORS headers
// so a cross-origin page can read it) reaches the handshake listener as CometD's `failure`
// (`httpCode`, and the XMLHttpRequest as `transport`: cometd Client.js `#handleFailure`).
function readHttpRefusal(message: Message): string | null {
  const failure: unknown = (message as { failure?: unknown }).failure
  if (!failure || typeof failure !== 'object' || !('httpCode' in failure)) return null
  if (failure.httpCode !== 403 || !('transport' in failure)) return null
  const xhr: unknown = failure.transport
  const text =
    xhr && typeof xhr === 'object' && 'responseText' in xhr && typeof xhr.responseText === 'string'
      ? xhr.responseText
      : ''
  try {
    const body: unknown = JSON.parse(text)
    if (body && typeof body === 'object' && 'message' in body && typeof body.message === 'string')
      return body.message
  } catch {
    // Not our JSON: an ordinary failure.
  }
  return null
}

// A refused remote call carries the server's SyncError JSON as data (server/sync/service-bayeux);
// a timeout or a lost connection only a Bayeux error string.
function readFailure(reply: Message): SyncError {
  const data: unknown = reply.data
  if (data && typeof data === 'object' && 'message' in data && typeof data.message === 'string') {
    const code = 'code' in data && isErrorCode(data.code) ? data.code : ErrorCode.ERR_INTERNAL
    // A rate-limited request says when a retry will pass (server/auth/request-limit.ts).
    const after = 'retryAfterMs' in data ? data.retryAfterMs : undefined
    const retryAfterMs = typeof after === 'number' && after >= 0 ? after : undefined
    return new SyncError(code, data.message, true, retryAfterMs)
  }
  const isTimeout = typeof reply.error === 'string' && reply.error.includes('timeout')
  const message = isTimeout
    ? 'The server did not answer in time; retrying'
    : 'The server could not take the request; retrying'
  return new SyncError(ErrorCode.ERR_INTERNAL, message, true)
}

function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ErrorCode, value)
}

function readPush(data: unknown): string[] | null {
  if (!data || typeof data !== 'object' || !('sync' in data) || !Array.isArray(data.sync)) {
    return null
  }
  return data.sync.filter((file): file is string => typeof file === 'string')
}

// `{"ended": "<file>"}`: the admin ended the document (README "Administration", Ocsigen's
// ENDED_CHANNEL).
function readEnded(data: unknown): string | null {
  if (!data || typeof data !== 'object' || !('ended' in data)) return null
  return typeof data.ended === 'string' ? data.ended : null
}

/** Create a connection to `options.server` over the official CometD client. */
export function createConnection(options: ConnectionOptions): Connection {
  // Long by design: one closure owns the CometD client and the state; the listeners that move the
  // state machine are registered here together so every transition is visible in one place.
  const cometd = new CometD()
  cometd.configure({ url: `${options.server.replace(/\/$/, '')}/bayeux`, logLevel: 'warn' })
  let state: ConnectionState = ConnectionState.Unconnected
  const stateListeners = new Set<(state: ConnectionState, reason: string) => void>()
  const pushListeners = new Set<(files: readonly string[]) => void>()
  const endedListeners = new Set<(file: string) => void>()

  // The one setter (STYLE §4.6): rejects transitions the diagram does not draw.
  const setState = (next: ConnectionState, reason: string): void => {
    if (next === state) return
    if (!transitions[state].includes(next)) {
      throw new SyncError(
        ErrorCode.ERR_SESSION_STATE_INVALID,
        `Connection: ${state} → ${next} (${reason})`,
      )
    }
    state = next
    for (const listener of stateListeners) listener(next, reason)
  }

  // A handshake leaving while disconnected is CometD's own retry: show it as "reconnecting".
  cometd.registerExtension('tandemState', {
    outgoing(message) {
      if (
        message.channel === '/meta/handshake' &&
        (state === 'disconnected' || state === 'connected')
      ) {
        setState(ConnectionState.Connecting, 'handshake retry')
      }
      return message
    },
  })
  cometd.addListener('/meta/handshake', (m) => {
    if (m.successful || state === 'unconnected') return
    // A reply with an error is the server saying no (bad token, ...); no reply is the network.
    const denial =
      readTandemError(m.ext) ??
      (typeof m.error === 'string' ? readBayeuxError(m.error) : readHttpRefusal(m))
    setState('disconnected', denial === null ? 'handshake failed' : `${deniedPrefix}${denial}`)
  })
  cometd.addListener('/meta/connect', (m) => {
    if (state === 'unconnected' || cometd.isDisconnected()) return
    setState(
      m.successful ? 'connected' : 'disconnected',
      m.successful ? 'connect' : 'connect failed',
    )
  })
  cometd.addListener('/service/mobwrite', (m) => {
    const files = readPush(m.data)
    if (files) for (const listener of pushListeners) listener(files)
    const ended = readEnded(m.data)
    if (ended !== null) for (const listener of endedListeners) listener(ended)
  })

  const ext = { tandem: { token: options.token ?? '', name: options.name ?? '' } }
  return {
    get state() {
      return state
    },
    start() {
      setState(ConnectionState.Connecting, 'start')
      cometd.handshake({ ext })
    },
    call(request, timeoutMs) {
      return new Promise((resolve, reject) => {
        if (state !== 'connected') {
          reject(new SyncError(ErrorCode.ERR_SESSION_STATE_INVALID, `Not connected (${state})`))
          return
        }
        cometd.remoteCall('mobwrite', { q: request }, timeoutMs, (reply) => {
          if (!reply.successful) {
            reject(readFailure(reply))
            return
          }
          try {
            resolve(readAnswer(reply))
          } catch (error) {
            reject(error)
          }
        })
      })
    },
    onState(listener) {
      stateListeners.add(listener)
      return () => stateListeners.delete(listener)
    },
    onPush(listener) {
      pushListeners.add(listener)
      return () => pushListeners.delete(listener)
    },
    onEnded(listener) {
      endedListeners.add(listener)
      return () => endedListeners.delete(listener)
    },
    close() {
      return new Promise((resolve) => {
        if (state === 'unconnected') return resolve()
        setState(ConnectionState.Unconnected, 'close')
        const timer = setTimeout(resolve, 1_000)
        cometd.disconnect(() => {
          clearTimeout(timer)
          resolve()
        })
      })
    },
  }
}
