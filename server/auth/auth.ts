// The auth module's one front door for app.ts and the gateways: identity (Bayeux handshake,
// gateway headers), access per request for the sync service, rate limits, the Bayeux policy and
// the Origin guard, all from the `auth` config section and one store.

import { ErrorCode, SyncError } from '../../shared/errors.ts'
import type { AppPlugin } from '../app.ts'
import type { BayeuxServer, ServerSession } from '../bayeux/types.ts'
import type { AuthConfig } from '../config.ts'
import type { AccessLevel, DocumentSummary, Store } from '../store/store.ts'
import { createAccessControl, type AccessControl, type Principal } from './acl.ts'
import { identityOf, installBayeuxAuth, revokedError } from './bayeux-auth.ts'
import { createOriginGuard, createUpgradeGuard } from './csrf.ts'
import {
  isIdentityCurrent,
  resolveGatewayIdentity,
  type GatewayRequestLike,
  type Identity,
} from './identity.ts'
import { anonymousPrincipal, docNameError } from './names.ts'
import {
  createRequestLimiter,
  originalIdentity,
  type RateScope,
  type RequestLimitKeys,
} from './request-limit.ts'

/** Everything the rest of the server asks auth. Create one per server with {@link createAuth}. */
export interface Auth {
  readonly config: Readonly<AuthConfig>
  readonly accessControl: AccessControl
  /**
   * The sync service's `access` option: the requester's access per file, with rules read once
   * for the request. Invalid document names get `none` (the engine also refuses them by name).
   */
  access(who: Principal): (file: string) => AccessLevel
  /** The sync service's `identifySession` option: the identity attached at handshake. */
  identifySession(session: ServerSession): Identity | SyncError
  /** Identity of a raw MobWrite gateway request (Authorization header or `token` parameter). */
  resolveGateway(req: GatewayRequestLike): Identity | SyncError
  /**
   * The checks every MobWrite request passes before it runs (the sync service's `guard`, the
   * gateways' `rateLimit`): a token identity's token is still valid (so a revoke also stops
   * live sessions), and neither the client's bucket (`rateClient`) nor its token's or
   * address's is empty (request-limit.ts). A refusal counts nothing and changes nothing.
   */
  checkRequest(identity: RequestIdentity): SyncError | undefined
  /** Whether `identity` still stands (anonymous, or its token not revoked). */
  isCurrent(identity: Identity): boolean
  /** Why `file` is not an acceptable document name, as an error, or undefined. */
  checkDocName(file: string): SyncError | undefined
  /**
   * The documents the caller of a request may read (`GET /api/documents`), newest first: the
   * identity comes from the Authorization header or `token` parameter; a refused identity
   * lists nothing, and forbidden documents are left out so their names do not leak.
   */
  readableDocuments(req: GatewayRequestLike, limit?: number): DocumentSummary[]
  /** Installs the security policy and authorizers on a Bayeux server; returns a remover. */
  installBayeux(bayeux: BayeuxServer): () => void
  /** Express middleware refusing cookie-carrying POSTs from foreign origins (CSRF). */
  readonly originGuard: ReturnType<typeof createOriginGuard>
  /** The same check for WebSocket upgrades (createApp's `upgradeGuards`). */
  readonly upgradeGuard: ReturnType<typeof createUpgradeGuard>
}

/** What request checks read of an identity (auth's Identity and the sync service's fit). */
export interface RequestIdentity extends RateScope {
  readonly principal: string
  readonly ip: string
  readonly tokenId?: string | null
}

/** Options of {@link createAuth}. */
export interface AuthOptions {
  readonly store: Store
  readonly config: AuthConfig
  /** Clock for rate limits (tests inject one). */
  readonly now?: () => number
}

// Anonymous clients share one principal, so their group is their address. A client key is
// scoped to its group, so nobody can drain another address's view bucket by naming its `u:`.
function rateKeys(who: RequestIdentity): RequestLimitKeys {
  const isAddress = who.principal === anonymousPrincipal
  const group = isAddress ? `address:${who.ip}` : `token:${who.tokenId ?? who.principal}`
  const client = who.rateClient === undefined ? undefined : `${group}|${who.rateClient}`
  return { client, group, isAddress }
}

/** Creates the auth front door over `store` with the `auth` config section. */
export function createAuth(options: AuthOptions): Auth {
  const { store, config } = options
  const accessControl = createAccessControl(store, { defaultAccess: config.defaultAccess })
  const limiter = createRequestLimiter(config, options.now)
  const checkDocName = (file: string) => docNameError(file, config.maxDocNameChars)
  return {
    config,
    accessControl,
    access(who) {
      const accessOf = accessControl.snapshot(who)
      return (file) => (checkDocName(file) ? 'none' : accessOf(file))
    },
    identifySession(session) {
      return (
        identityOf(session) ??
        new SyncError(ErrorCode.ERR_TOKEN_INVALID, 'This session has no identity; handshake again')
      )
    },
    resolveGateway: (req) => resolveGatewayIdentity(req, { store, auth: config }),
    checkRequest(identity) {
      if (!isIdentityCurrent(store, originalIdentity(identity))) {
        return revokedError()
      }
      return limiter.check(rateKeys(identity))
    },
    isCurrent: (identity) => isIdentityCurrent(store, identity),
    checkDocName,
    readableDocuments(req, limit = 200) {
      const who = resolveGatewayIdentity(req, { store, auth: config })
      if (who instanceof SyncError) return []
      const accessOf = accessControl.snapshot(who)
      return store
        .listDocuments()
        .filter((doc) => !doc.isNull && accessOf(doc.file) !== 'none')
        .sort((a, b) => b.updatedMs - a.updatedMs)
        .slice(0, limit)
    },
    installBayeux: (bayeux) =>
      installBayeuxAuth(bayeux, {
        store,
        auth: config,
        sessionCheckIntervalMs: config.sessionCheckIntervalMs,
      }),
    originGuard: createOriginGuard(config),
    upgradeGuard: createUpgradeGuard(config),
  }
}

/**
 * The app wiring of auth: pass `plugins: [authPlugin(auth)]`, `bayeuxGuards:
 * [auth.originGuard]` and `upgradeGuards: [auth.upgradeGuard]` to createApp. Installs the Bayeux policy and authorizers.
 */
export function authPlugin(auth: Auth): AppPlugin {
  return (app) => auth.installBayeux(app.bayeux)
}
