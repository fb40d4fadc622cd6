// The edge policy every WebSocket upgrade and cross-origin HTTP transport request passes: the
// Origin allow-list (mod_pywebsocket's "extra handshake" hook, as configuration), ouistiti's
// path allow/deny lists, subprotocol negotiation and connections per IP. Pure decisions plus
// the per-IP counter; app.ts (upgrades) and server/http/edge-http.ts (HTTP) apply them.

import type { IncomingHttpHeaders } from 'node:http'
import { ErrorCode } from '../../shared/errors.ts'

/** Options of the edge policy (from the `ops` and `auth` config sections). */
export interface EdgePolicyOptions {
  /** Extra origins allowed besides the server's own (`auth.allowedOrigins`); '*' allows any. */
  readonly allowedOrigins: readonly string[]
  /** Also allow http(s)://localhost, 127.0.0.1 and [::1] on any port (development). */
  readonly allowLocalhostOrigins: boolean
  /** Path patterns (`*` matches any characters) that may be used; ouistiti `allow`. */
  readonly allowPaths: readonly string[]
  /** Path patterns refused even when allowed; ouistiti `deny`. */
  readonly denyPaths: readonly string[]
  /** Subprotocols the server speaks, in its preference order (only used when offered). */
  readonly wsSubprotocols: readonly string[]
  /** Most WebSocket connections open at once from one address; 0: no limit. */
  readonly maxConnectionsPerIp: number
}

/** A refusal: HTTP status, error code and a sentence saying why (never a silent hang). */
export interface Refusal {
  readonly status: number
  readonly code: string
  readonly reason: string
}

const localhostOrigin = /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}

/** Compiles a pattern where `*` matches any run of characters (ouistiti's `ws_*`). */
export function globToRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')
  return new RegExp(`^${escaped}$`)
}

// Patterns come from the config, so the compiled ones are few and kept for the process.
const compiled = new Map<string, RegExp>()

/** Whether `value` matches one of `patterns` (each compiled once). */
export function matchesAny(patterns: readonly string[], value: string): boolean {
  for (const pattern of patterns) {
    let regExp = compiled.get(pattern)
    if (!regExp) compiled.set(pattern, (regExp = globToRegExp(pattern)))
    if (regExp.test(value)) return true
  }
  return false
}

/**
 * Whether a request's Origin may use the transports: no Origin (a non-browser client), the
 * server's own origin (from Host), an allowed one, or localhost in development.
 */
export function checkOrigin(
  headers: IncomingHttpHeaders,
  isSecure: boolean,
  options: EdgePolicyOptions,
): Refusal | undefined {
  const origin = first(headers.origin)?.toLowerCase()
  if (origin === undefined || options.allowedOrigins.includes('*')) return undefined
  const host = first(headers.host)?.toLowerCase()
  if (host !== undefined && origin === `${isSecure ? 'https' : 'http'}://${host}`) return undefined
  if (options.allowLocalhostOrigins && localhostOrigin.test(origin)) return undefined
  if (options.allowedOrigins.some((allowed) => allowed.toLowerCase() === origin)) return undefined
  return {
    status: 403,
    code: ErrorCode.ERR_ORIGIN_FORBIDDEN,
    reason: `Origin ${origin} is not allowed here (add it to TANDEM_ALLOWED_ORIGINS)`,
  }
}

/**
 * The path as the router matches it, in one spelling: the part before `?`, percent-decoded,
 * lower-case, without repeated or trailing slashes. Express routes `/MOBWRITE`, `/Scripts/Q.py`
 * and `/mobwrite/` like `/mobwrite` (routing is case-insensitive and not strict), so guards and
 * path lists must compare this form (issue 14 #9). Decoding makes the guards stricter than the
 * router, which does not decode: `/%6Dobwrite` is guarded as `/mobwrite` (and not routed).
 */
export function canonicalPath(path: string): string {
  const query = path.indexOf('?')
  let canonical = query < 0 ? path : path.slice(0, query)
  if (canonical.includes('%')) {
    try {
      canonical = decodeURIComponent(canonical)
    } catch {
      // Malformed escapes: guard the raw spelling (the router answers 400 or 404 to it).
    }
  }
  canonical = canonical.toLowerCase().replace(/\/{2,}/g, '/')
  return canonical.length > 1 ? canonical.replace(/\/+$/, '') || '/' : canonical
}

// Path patterns are compared in the canonical form too (`*` kept); lists come from the config,
// so each is converted once.
const canonicalLists = new WeakMap<readonly string[], readonly string[]>()
function canonicalPatterns(patterns: readonly string[]): readonly string[] {
  let canonical = canonicalLists.get(patterns)
  if (!canonical) canonicalLists.set(patterns, (canonical = patterns.map(canonicalPath)))
  return canonical
}

/** Whether a path passes the allow and deny lists (deny wins), compared as {@link canonicalPath}. */
export function checkPath(path: string, options: EdgePolicyOptions): Refusal | undefined {
  const canonical = canonicalPath(path)
  const isAllowed = matchesAny(canonicalPatterns(options.allowPaths), canonical)
  if (isAllowed && !matchesAny(canonicalPatterns(options.denyPaths), canonical)) return undefined
  return {
    status: 403,
    code: ErrorCode.ERR_PATH_FORBIDDEN,
    reason: `Path ${path} is not allowed on this server (ops.denyPaths / ops.allowPaths)`,
  }
}

/**
 * Picks the subprotocol: the client's first offer that the server speaks. No offer: none is
 * needed (the CometD client offers none). Offers but no match: a refusal, since a browser
 * fails a connection whose answer lacks the protocol it asked for.
 */
export function negotiateSubprotocol(
  headers: IncomingHttpHeaders,
  options: EdgePolicyOptions,
): { protocol: string | undefined } | Refusal {
  const offered = first(headers['sec-websocket-protocol'])
  if (offered === undefined || offered.trim() === '') return { protocol: undefined }
  const names = offered.split(',').map((p) => p.trim())
  const protocol = names.find((p) => options.wsSubprotocols.includes(p))
  if (protocol !== undefined) return { protocol }
  return {
    status: 400,
    code: ErrorCode.ERR_REQUEST_INVALID,
    reason: `None of the offered subprotocols (${names.join(', ')}) is spoken here; try ${options.wsSubprotocols.join(', ') || 'none'}`,
  }
}

/** Counts open connections per address against `maxConnectionsPerIp`. */
export interface ConnectionCounter {
  /** Takes a slot for `ip`, or returns the refusal; `release` gives it back once. */
  acquire(ip: string): { release: () => void } | Refusal
  /** Open connections of `ip`. */
  count(ip: string): number
}

/** Creates an empty {@link ConnectionCounter}. */
export function createConnectionCounter(maxPerIp: number): ConnectionCounter {
  const open = new Map<string, number>()
  return {
    acquire(ip) {
      const now = open.get(ip) ?? 0
      if (maxPerIp > 0 && now >= maxPerIp) {
        return {
          status: 429,
          code: ErrorCode.ERR_RATE_LIMITED,
          reason: `Too many connections from ${ip} (ops.maxConnectionsPerIp = ${maxPerIp})`,
        }
      }
      open.set(ip, now + 1)
      let isReleased = false
      return {
        release() {
          if (isReleased) return
          isReleased = true
          const left = (open.get(ip) ?? 1) - 1
          if (left <= 0) open.delete(ip)
          else open.set(ip, left)
        },
      }
    },
    count: (ip) => open.get(ip) ?? 0,
  }
}

/** Whether a value is a {@link Refusal}. */
export function isRefusal(value: object): value is Refusal {
  return 'status' in value && 'reason' in value
}

const statusText: Record<number, string> = {
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  429: 'Too Many Requests',
  503: 'Service Unavailable',
}

/** The raw HTTP response refusing an upgrade: status line, JSON body `{code, message}`. */
export function refusalResponse(refusal: Refusal): string {
  const body = JSON.stringify({ code: refusal.code, message: refusal.reason })
  return (
    `HTTP/1.1 ${refusal.status} ${statusText[refusal.status] ?? 'Error'}\r\n` +
    'Connection: close\r\nContent-Type: application/json; charset=utf-8\r\n' +
    `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  )
}
