// Who is asking: an Identity resolved from a bearer token (Bayeux handshake `ext.tandem.token`,
// gateway `Authorization: Bearer` header or `token` parameter) or anonymous with a display name.
// The trusted handle `name:ip` (Mozilla MobWrite `h:`, mobwrite-notes §1.3) is derived here,
// never taken from the network.

import { ErrorCode, SyncError } from '../../shared/errors.ts'
import type { Store } from '../store/store.ts'
import { anonymousPrincipal, sanitizeDisplayName } from './names.ts'
import { verifyToken } from './tokens.ts'

/** A resolved, trusted identity. Attach it to a session; hand it to the sync service. */
export interface Identity {
  /** The principal ACL rules name: the token's user name, or `anonymous`. */
  readonly principal: string
  readonly isAnonymous: boolean
  /** Display name: the token's user name, or the anonymous client's sanitised name. */
  readonly name: string
  /** The client's address as the server saw it (IPv4-mapped IPv6 shown as IPv4). */
  readonly ip: string
  /** `name:ip`; anonymous handles start with `~` so they never look like a user's. */
  readonly handle: string
  /** Id of the token used, or null for anonymous identities. */
  readonly tokenId: string | null
}

/** Credentials as a client offered them; every field is untrusted. */
export interface Credentials {
  readonly token?: unknown
  readonly name?: unknown
  readonly ip: string
}

/** The part of the `auth` config that identity resolution reads. */
export interface IdentityOptions {
  readonly allowAnonymous: boolean
  readonly maxNameChars: number
}

/** A gateway request reduced to what identity needs (Express req fits after picking fields). */
export interface GatewayRequestLike {
  readonly headers: Readonly<Record<string, string | string[] | undefined>>
  /** The `token` parameter from the query string or form body, if any. */
  readonly token?: unknown
  /** The `name` parameter (display name for anonymous clients), if any. */
  readonly name?: unknown
  readonly ip: string
}

// The token hash behind each identity this module resolved, kept off the Identity itself so it
// never travels with it (logs, session attributes, answers).
const tokenHashes = new WeakMap<object, string>()

/**
 * Whether an identity still stands: anonymous ones always do; a token identity only while its
 * token is not revoked (checked per request, so `tandem token revoke` also stops live sessions).
 * Identities this module did not resolve never stand.
 */
export function isIdentityCurrent(store: Store, identity: { readonly principal: string }): boolean {
  if (identity.principal === anonymousPrincipal) return true
  const hash = tokenHashes.get(identity)
  return hash !== undefined && store.findTokenByHash(hash)?.revokedMs === null
}

/** Strips the IPv4-mapped IPv6 prefix so handles read `alice:127.0.0.1`. */
export function normalizeIp(ip: string | undefined): string {
  if (!ip) return 'unknown'
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip
}

/** The handle for a display name and address; `~` marks anonymous names. */
export function makeHandle(name: string, ip: string, isAnonymous: boolean): string {
  return `${isAnonymous ? '~' : ''}${name}:${ip}`
}

/**
 * Resolves credentials to an identity, or the error to refuse with: a token that is present
 * but unknown or revoked is refused (`ERR_TOKEN_INVALID`) even when anonymous access is
 * allowed, so a mistyped token never silently downgrades to anonymous.
 */
export function resolveIdentity(
  store: Store,
  creds: Credentials,
  options: IdentityOptions,
): Identity | SyncError {
  const ip = normalizeIp(creds.ip)
  if (creds.token !== undefined && creds.token !== null && creds.token !== '') {
    const record = typeof creds.token === 'string' ? verifyToken(store, creds.token) : undefined
    if (!record) {
      return new SyncError(
        ErrorCode.ERR_TOKEN_INVALID,
        'The token is unknown or revoked; ask for a new one (tandem token add <name>)',
      )
    }
    const name = record.name
    const identity: Identity = {
      principal: name,
      isAnonymous: false,
      name,
      ip,
      handle: makeHandle(name, ip, false),
      tokenId: record.id,
    }
    tokenHashes.set(identity, record.hash)
    return identity
  }
  if (!options.allowAnonymous) {
    return new SyncError(
      ErrorCode.ERR_ANONYMOUS_DISABLED,
      'This server requires a token; anonymous access is off',
    )
  }
  const name = sanitizeDisplayName(creds.name, options.maxNameChars, anonymousPrincipal)
  return {
    principal: anonymousPrincipal,
    isAnonymous: true,
    name,
    ip,
    handle: makeHandle(name, ip, true),
    tokenId: null,
  }
}

/** The `{token, name}` a Bayeux handshake carries in `ext.tandem`; absent fields stay undefined. */
export function readHandshakeCredentials(ext: unknown): { token?: unknown; name?: unknown } {
  if (typeof ext !== 'object' || ext === null) return {}
  const tandem = (ext as { tandem?: unknown }).tandem
  if (typeof tandem !== 'object' || tandem === null) return {}
  const { token, name } = tandem as { token?: unknown; name?: unknown }
  return { token, name }
}

/** The token from an `Authorization: Bearer <token>` header, if there is one. */
export function readBearerToken(headers: GatewayRequestLike['headers']): string | undefined {
  const raw = headers['authorization']
  const value = Array.isArray(raw) ? raw[0] : raw
  const match = value === undefined ? null : /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(value)
  return match?.[1]
}

/**
 * Resolves a raw MobWrite gateway request (HTTP, JSONP, TCP, `/mobwrite` WebSocket): the
 * `Authorization: Bearer` header wins over a `token` parameter; neither means anonymous.
 */
export function resolveGatewayIdentity(
  req: GatewayRequestLike,
  deps: { store: Store; auth: IdentityOptions },
): Identity | SyncError {
  const token = readBearerToken(req.headers) ?? req.token
  return resolveIdentity(deps.store, { token, name: req.name, ip: req.ip }, deps.auth)
}
