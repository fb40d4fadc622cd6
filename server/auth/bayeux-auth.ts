// Bayeux side of auth: a SecurityPolicy that resolves the identity at handshake (CometD's
// recommended `ext` authentication, bayeux-notes §2.7) and authorizers combined by CometD's
// 5-step rule (§2.6). The identity lives in the session's attributes; a clientId alone never
// carries it to another connection (the core binds sessions to the BAYEUX_BROWSER cookie or
// to the WebSocket connection, bayeux-notes §4).

import { isGlobalWildcard } from '../../shared/bayeux/channel.ts'
import type { BayeuxMessage } from '../../shared/bayeux/message.ts'
import { ErrorCode, SyncError } from '../../shared/errors.ts'
import { deny, grant, ignore } from '../bayeux/security.ts'
import type { Authorizer, BayeuxServer, SecurityPolicy, ServerSession } from '../bayeux/types.ts'
import { logException } from '../log.ts'
import type { Store } from '../store/store.ts'
import {
  isIdentityCurrent,
  readHandshakeCredentials,
  resolveIdentity,
  type Identity,
  type IdentityOptions,
} from './identity.ts'

/** The session attribute that holds the {@link Identity}. */
export const identityAttribute = 'tandem.identity'

/** The channel MobWrite requests are published on (DESIGN §4). */
export const mobwriteChannel = '/service/mobwrite'

/** Root of the private channels: `/user/<principal>/**` is readable by that principal only. */
export const userChannelRoot = '/user/'

// Identities are only ever put in attributes by this module; the WeakSet proves it, so a value
// another module stored under the same key can never pass for one.
const issued = new WeakSet<Identity>()

/** The identity resolved at this session's handshake, or undefined (no or foreign value). */
export function identityOf(session: Pick<ServerSession, 'attributes'>): Identity | undefined {
  const value = session.attributes.get(identityAttribute)
  return typeof value === 'object' && value !== null && issued.has(value as Identity)
    ? (value as Identity)
    : undefined
}

// Marks `identity` as resolved by the server and attaches it to `session`.
function attachIdentity(session: Pick<ServerSession, 'attributes'>, identity: Identity): void {
  issued.add(identity)
  session.attributes.set(identityAttribute, identity)
}

// The private channel root of a principal (`/user/alice/`), or undefined for anonymous.
function privateChannelOf(identity: Identity): string | undefined {
  return identity.isAnonymous ? undefined : `${userChannelRoot}${identity.principal}/`
}

// A refused handshake: advice `none` (do not retry with the same credentials) and the reason
// in `ext.tandem.error`, as CometD's §9.3.5.1 customises a failed reply.
function refuseHandshake(reply: BayeuxMessage, error: SyncError): false {
  reply.advice = { ...reply.advice, reconnect: 'none' }
  reply.ext = { ...reply.ext, tandem: { error: { code: error.code, message: error.message } } }
  return false
}

/** Dependencies of {@link createAuthPolicy} and {@link installBayeuxAuth}. */
export interface BayeuxAuthDeps {
  readonly store: Store
  readonly auth: IdentityOptions
  /** Period of the sweep that ends sessions of revoked tokens; default 1 s, 0: off. */
  readonly sessionCheckIntervalMs?: number
}

/**
 * The policy: a handshake needs a valid token or allowed anonymous access; every other
 * operation needs a session with an identity; global wildcard subscriptions (`/*`, `/**`) are
 * refused because they would reach other users' private channels (bayeux-notes §4).
 */
export function createAuthPolicy(deps: BayeuxAuthDeps): SecurityPolicy {
  const hasIdentity = (session: ServerSession) => identityOf(session) !== undefined
  // A revoked token's session subscribes to nothing more, even before the sweep ends it (its
  // publishes reach the sync service's guard, which answers ERR_TOKEN_INVALID).
  const isCurrent = (session: ServerSession) => {
    const identity = identityOf(session)
    return identity !== undefined && isIdentityCurrent(deps.store, identity)
  }
  return {
    canHandshake(session, message, reply) {
      const creds = readHandshakeCredentials(message.ext)
      const result = resolveIdentity(deps.store, { ...creds, ip: session.remoteAddress }, deps.auth)
      if (result instanceof SyncError) return refuseHandshake(reply, result)
      attachIdentity(session, result)
      const { handle, principal, isAnonymous } = result
      reply.ext = { ...reply.ext, tandem: { handle, principal, isAnonymous } }
      return true
    },
    canCreate: hasIdentity,
    canPublish: hasIdentity,
    canSubscribe: (session, channel) => isCurrent(session) && !isGlobalWildcard(channel),
  }
}

/**
 * Guards `/user/**`: a principal may subscribe to (and so create) its own
 * `/user/<principal>/...` channels only, never a wildcard over other users; clients never
 * publish there (server only).
 */
export const userChannelAuthorizer: Authorizer = (operation, channel, session) => {
  const identity = identityOf(session)
  const own = identity && privateChannelOf(identity)
  if (operation === 'publish') return deny('server_only_channel')
  // A subscription creates the channel first, so `create` follows the subscribe rule.
  if (own === undefined || !(channel + '/').startsWith(own)) return deny('private_channel')
  return grant
}

/** Guards `/service/mobwrite`: publishing (and creating it) needs a session with an identity. */
export const mobwriteAuthorizer: Authorizer = (operation, _channel, session) => {
  if (operation === 'subscribe') return ignore
  return identityOf(session) ? grant : deny('no_identity')
}

/** The error a session of a revoked token is ended with. */
export const revokedError = () =>
  new SyncError(
    ErrorCode.ERR_TOKEN_INVALID,
    'The token was revoked; connect again with a valid token',
  )

/**
 * Ends every session whose token was revoked (issue 14 finding 8: revocation ends live sessions,
 * their pushes and `/user/<name>/` subscriptions): it is sent the error on /service/mobwrite as
 * a failed call's data (`{code, message, isRecoverable, a}`), then a server-side
 * `/meta/disconnect`. Its next handshake is refused. Returns how many were ended.
 */
export function endRevokedSessions(bayeux: BayeuxServer, store: Store): number {
  const isCurrent = memoizedCurrency(store)
  let ended = 0
  for (const session of [...bayeux.sessions()]) {
    const identity = identityOf(session)
    if (!identity || isCurrent(identity)) continue
    const error = revokedError()
    const a = `E:all:${error.code}: ${error.message}\n`
    session.deliver(mobwriteChannel, { ...error.toJSON(), a })
    session.disconnect()
    ended++
  }
  return ended
}

/** `isIdentityCurrent` for one sweep: each token is looked up once, however many sessions use it. */
export function memoizedCurrency(store: Store): (identity: Identity) => boolean {
  const byToken = new Map<string, boolean>()
  return (identity) => {
    if (identity.tokenId === null) return isIdentityCurrent(store, identity)
    let isCurrent = byToken.get(identity.tokenId)
    if (isCurrent === undefined)
      byToken.set(identity.tokenId, (isCurrent = isIdentityCurrent(store, identity)))
    return isCurrent
  }
}

/**
 * Installs the policy and authorizers on `bayeux` and starts the revoked-session sweep; returns
 * a function that removes the authorizers and stops the sweep.
 */
export function installBayeuxAuth(bayeux: BayeuxServer, deps: BayeuxAuthDeps): () => void {
  bayeux.setSecurityPolicy(createAuthPolicy(deps))
  const removers = [
    bayeux.addAuthorizer(`${userChannelRoot}**`, userChannelAuthorizer),
    bayeux.addAuthorizer(mobwriteChannel, mobwriteAuthorizer),
  ]
  const intervalMs = deps.sessionCheckIntervalMs ?? 1_000
  const timer =
    intervalMs > 0 ? setInterval(() => sweepSafely(bayeux, deps.store), intervalMs) : undefined
  timer?.unref()
  return () => {
    clearInterval(timer)
    removers.forEach((remove) => remove())
  }
}

function sweepSafely(bayeux: BayeuxServer, store: Store): void {
  try {
    endRevokedSessions(bayeux, store)
  } catch (err) {
    logException('revoked-session sweep failed', err)
  }
}
