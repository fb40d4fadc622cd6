// CSRF guard for cookie-carrying HTTP requests (bayeux-notes §4: "CometD does not automatically
// protect against CSRF … the Origin header tells the app's origin from an attacker's"). Tandem
// authenticates with tokens in the handshake, not cookies, so this is defence in depth: a
// browser request that carries cookies and comes from a foreign page is refused.

import type { IncomingHttpHeaders, IncomingMessage } from 'node:http'
import { ErrorCode } from '../../shared/errors.ts'

/** Options of the guard: `auth.allowedOrigins` from config. */
export interface OriginGuardOptions {
  /** Extra origins (`https://app.example.com`) trusted besides the server's own; `*` trusts all. */
  readonly allowedOrigins: readonly string[]
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}

/** The request's own origin as the browser would spell it, from `Host` (and the scheme). */
export function ownOrigin(headers: IncomingHttpHeaders, isSecure: boolean): string | undefined {
  const host = first(headers.host)
  return host === undefined ? undefined : `${isSecure ? 'https' : 'http'}://${host.toLowerCase()}`
}

/**
 * Whether a request may proceed: requests without cookies or without an `Origin` header
 * (non-browser clients; browsers always send Origin on cross-origin POSTs and WebSocket
 * upgrades) pass; otherwise the Origin must be the server's own or an allowed one.
 */
export function isOriginAllowed(
  headers: IncomingHttpHeaders,
  isSecure: boolean,
  options: OriginGuardOptions,
): boolean {
  const origin = first(headers.origin)?.toLowerCase()
  if (!headers.cookie || origin === undefined) return true
  if (options.allowedOrigins.includes('*')) return true
  if (origin === ownOrigin(headers, isSecure)) return true
  return options.allowedOrigins.some((allowed) => allowed.toLowerCase() === origin)
}

/** The minimal request/response shapes the middleware uses (Express's fit). */
interface GuardRequest {
  readonly method: string
  readonly headers: IncomingHttpHeaders
  readonly secure?: boolean
}
interface GuardResponse {
  status(code: number): GuardResponse
  json(body: unknown): unknown
}

/**
 * Express middleware for the Bayeux HTTP transports: a cookie-carrying POST from a foreign
 * Origin gets `403` with `{code: ErrorCode.ERR_ORIGIN_FORBIDDEN, message}` and never reaches Bayeux.
 */
export function createOriginGuard(options: OriginGuardOptions) {
  return (req: GuardRequest, res: GuardResponse, next: () => void): void => {
    if (req.method !== 'POST' || isOriginAllowed(req.headers, req.secure === true, options)) {
      next()
      return
    }
    res.status(403).json({
      code: ErrorCode.ERR_ORIGIN_FORBIDDEN,
      message: `Origin ${first(req.headers.origin)} may not send cookie-carrying requests here (auth.allowedOrigins)`,
    })
  }
}

/**
 * The same rule for WebSocket upgrades (cross-site WebSocket hijacking): an upgrade that carries
 * cookies from a foreign Origin is refused. For createApp's `upgradeGuards`.
 */
export function createUpgradeGuard(
  options: OriginGuardOptions,
): (request: IncomingMessage) => boolean {
  return (request) => {
    const isSecure = (request.socket as { encrypted?: boolean }).encrypted === true
    return isOriginAllowed(request.headers, isSecure, options)
  }
}
