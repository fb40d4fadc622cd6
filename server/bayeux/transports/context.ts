// Building a TransportContext from an HTTP request or a WebSocket upgrade: cookies, remote
// address, and the Set-Cookie header that binds a browser (bayeux-notes §1.11, §4).

import { randomBytes } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
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
  try {
    return decodeURIComponent(value)
  } catch {
    return value
  }
}

/** Builds the context of one HTTP request or WebSocket upgrade. */
export function createContext(
  options: Readonly<BayeuxOptions>,
  transport: ConnectionType,
  request: IncomingMessage,
  extra: { connection?: WsConnection; signal?: AbortSignal; browserId?: string } = {},
): TransportContext {
  const cookies = parseCookies(request.headers.cookie)
  const { browserId = cookies.get(options.browserCookieName), ...rest } = extra
  return {
    transport,
    remoteAddress: request.socket.remoteAddress ?? '',
    headers: request.headers,
    cookies,
    request,
    browserId,
    ...rest,
  }
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
