// Bayeux side of auth: a SecurityPolicy that resolves the identity at handshake (CometD's
// recommended `ext` authentication, bayeux-notes §2.7) and authorizers combined by CometD's
// 5-step rule (§2.6). The identity lives in the session's attributes; a clientId alone never
// carries it to another connection (the core binds sessions to the BAYEUX_BROWSER cookie or
// to the WebSocket connection, bayeux-notes §4).

import { isGlobalWildcard } from '../../shared/bayeux/channel.ts'
import type { BayeuxMessage } from '../../shared/bayeux/message.ts'
import { SyncError } from '../../shared/errors.ts'
import { deny, grant, ignore } from '../bayeux/security.ts'
import type { Authorizer, BayeuxServer, SecurityPolicy, ServerSession } from '../bayeux/types.ts'
import type { Store } from '../store/store.ts'
import {
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
}

/**
 * The policy: a handshake needs a valid token or allowed anonymous access; every other
 * operation needs a session with an identity; global wildcard subscriptions (`/*`, `/**`) are
 * refused because they would reach other users' private channels (bayeux-notes §4).
 */
export function createAuthPolicy(deps: BayeuxAuthDeps): SecurityPolicy {
  const hasIdentity = (session: ServerSession) => identityOf(session) !== undefined
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
    canSubscribe: (session, channel) => hasIdentity(session) && !isGlobalWildcard(channel),
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

/** Installs the policy and authorizers on `bayeux`; returns a function that removes the authorizers. */
export function installBayeuxAuth(bayeux: BayeuxServer, deps: BayeuxAuthDeps): () => void {
  bayeux.setSecurityPolicy(createAuthPolicy(deps))
  const removers = [
    bayeux.addAuthorizer(`${userChannelRoot}**`, userChannelAuthorizer),
    bayeux.addAuthorizer(mobwriteChannel, mobwriteAuthorizer),
  ]
  return () => removers.forEach((remove) => remove())
}
