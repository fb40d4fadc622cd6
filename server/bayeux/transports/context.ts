// Building a TransportContext from an HTTP request or a WebSocket upgrade: cookies, remote
// address, and the Set-Cookie header that binds a browser (bayeux-notes §1.11, §4).

import { randomBytes } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { ConnectionType } from '../../../shared/bayeux/message.ts'
import type { BayeuxOptions, TransportContext, WsConnection } from '../types.ts'

/** Parses a Cookie header into a Map (client-supplied names never become object keys). */
export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>()
  if (!header) return cookies
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq <= 0) continue
    const name = part.slice(0, eq).trim()
    const value = part.slice(eq + 1).trim()
    if (!cookies.has(name)) cookies.set(name, safeDecode(value))
  }
  return cookies
}

function safeDecode(value: string): string {
  if (!value.includes('%')) return value
  try {
    return decodeURIComponent(value)
  } catch {
    return value
  }
}

/** The value of cookie `name` in a Cookie header (the first one, decoded), without a Map. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined
  for (let start = 0; start < header.length;) {
    const end = header.indexOf(';', start)
    const part = header.slice(start, end < 0 ? undefined : end)
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === name) return safeDecode(part.slice(eq + 1).trim())
    if (end < 0) break
    start = end + 1
  }
  return undefined
}

/**
 * The context of one HTTP request or WebSocket upgrade. Built for every long poll, so what only
 * some requests need is made on first use: the cookie Map, and the abort signal (a held
 * `/meta/connect` listens to it) with its `close` listener on the response.
 */
class RequestContext implements TransportContext {
  readonly remoteAddress: string
  readonly headers: IncomingMessage['headers']
  readonly browserId: string | undefined
  newBrowserId?: string
  #cookies: Map<string, string> | undefined
  #abort: AbortController | undefined

  constructor(
    options: Readonly<BayeuxOptions>,
    readonly transport: ConnectionType,
    readonly request: IncomingMessage,
    readonly connection: WsConnection | undefined,
    browserId: string | undefined,
    private readonly response: ServerResponse | undefined,
  ) {
    this.remoteAddress = request.socket.remoteAddress ?? ''
    this.headers = request.headers
    this.browserId = browserId ?? readCookie(request.headers.cookie, options.browserCookieName)
  }

  get cookies(): ReadonlyMap<string, string> {
    return (this.#cookies ??= parseCookies(this.headers.cookie))
  }

  onClientGone(listener: () => void): void {
    const response = this.response
    if (!response) return
    if (response.closed) {
      if (!response.writableFinished) listener()
      return
    }
    response.on('close', () => {
      if (!response.writableFinished) listener()
    })
  }

  get signal(): AbortSignal | undefined {
    if (!this.response) return undefined
    if (!this.#abort) {
      const abort = (this.#abort = new AbortController())
      this.onClientGone(() => abort.abort())
    }
    return this.#abort.signal
  }
}

/** Builds the context of a WebSocket upgrade (`connection`) or an HTTP request (`response`). */
export function createContext(
  options: Readonly<BayeuxOptions>,
  transport: ConnectionType,
  request: IncomingMessage,
  extra: { connection?: WsConnection; response?: ServerResponse; browserId?: string } = {},
): TransportContext {
  const { connection, response, browserId } = extra
  return new RequestContext(options, transport, request, connection, browserId, response)
}

/** A new random browser id (CometD: a random session cookie, §1.11). */
export function createBrowserId(): string {
  return randomBytes(12).toString('base64url')
}

/** The Set-Cookie value for a freshly minted browser id (CometD Table 6 defaults). */
export function browserCookie(options: Readonly<BayeuxOptions>, browserId: string): string {
  let cookie = `${options.browserCookieName}=${browserId}; Path=/; HttpOnly`
  if (options.browserCookieSecure) cookie += '; Secure'
  if (options.browserCookieSameSite) cookie += `; SameSite=${options.browserCookieSameSite}`
  return cookie
}
