// Binds the sync service to the Bayeux server as DESIGN §4 fixes it: a request is published on
// /service/mobwrite as {"q": text} (or sent as a CometD remote call to target `mobwrite`), the
// answer goes back to the same session as {"a": text}; push notices are {"sync": [files]}.

import { ErrorCode, SyncError } from '../../shared/errors.ts'
import { identityOf, mobwriteChannel } from '../auth/bayeux-auth.ts'
import { withRateClient, type RateScope } from '../auth/request-limit.ts'
import { makeHandle, normalizeIp, readHandshakeCredentials } from '../auth/identity.ts'
import { sanitizeDisplayName } from '../auth/names.ts'
import type { BayeuxServer, ServerSession } from '../bayeux/types.ts'
import { checkUserIds, type UserIdBudget } from '../gateway/core.ts'
import { defaultConfig } from '../config.ts'
import { writeLine } from '../../shared/mobwrite/codec.ts'
import type { SyncIdentity } from './document.ts'
import type { PushNotice, SyncService } from './service.ts'

/** Resolves a session to the identity its requests run as, or the error to refuse them with. */
export type IdentifySession = (session: ServerSession) => SyncIdentity | SyncError

// Identities this module made up for sessions without one from auth, cached per session.
const anonymousIdentities = new WeakMap<ServerSession, SyncIdentity>()

/**
 * The identity auth attached at handshake; without auth installed, an anonymous one named by
 * the handshake's `ext.tandem.name`, with the handle `~name:ip` (`~`: nobody verified it).
 */
export function identifySession(session: ServerSession): SyncIdentity {
  const attached = identityOf(session)
  if (attached) return attached
  let identity = anonymousIdentities.get(session)
  if (!identity) {
    const { name: raw } = readHandshakeCredentials(session.handshakeExt)
    const name = sanitizeDisplayName(raw, defaultConfig.auth.maxNameChars, 'anonymous')
    const ip = normalizeIp(session.remoteAddress)
    const handle = makeHandle(name, ip, true)
    identity = { principal: 'anonymous', isAnonymous: true, name, ip, handle, tokenId: null }
    anonymousIdentities.set(session, identity)
  }
  return identity
}

function readQuery(data: unknown): string | SyncError {
  if (
    typeof data === 'object' &&
    data !== null &&
    typeof (data as { q?: unknown }).q === 'string'
  ) {
    return (data as { q: string }).q
  }
  return new SyncError(
    ErrorCode.ERR_REQUEST_INVALID,
    'Expected data {"q": "<MobWrite request>"} on /service/mobwrite',
  )
}

/** The `u:` id rules of the raw gateways (gateway/core.ts checkUserIds), for Bayeux sessions. */
export interface UserIdLimits {
  /** Longest `u:` id (gateway.maxUserIdChars). */
  readonly maxChars: number
  /** Distinct `u:` ids one session may use while it lives (sync.maxUserIdsPerSession). */
  readonly maxPerSession: number
}

/** How {@link bindMobwrite} identifies and admits requests. */
export interface BindOptions {
  readonly identify?: IdentifySession
  /** Without it, `u:` ids are not checked (the service always passes them). */
  readonly userIds?: UserIdLimits
  /** Admits a request (auth's checkRequest); `rateClient` is `session:<clientId>`. */
  readonly guard?: (identity: SyncIdentity & RateScope) => SyncError | undefined
}

/**
 * The data of a refused or failed request: the error as `{code, message, isRecoverable,
 * retryAfterMs?}` for remote calls, plus `a`, the same as a MobWrite `E:all:` answer, for
 * clients that read only `a` (a plain publish, DESIGN §4). Without `a` such a client would wait
 * for an answer that never comes (issue 13). Nothing was changed.
 */
export function failureData(error: SyncError) {
  const message = `${error.code}: ${error.message}`.replace(/[\r\n]+/g, ' ')
  return { ...error.toJSON(), a: writeLine({ type: 'error', file: 'all', message }) + '\n' }
}

// The `u:` ids each live session has used, dropped when the session ends.
function userIdChecker(limits: UserIdLimits | undefined) {
  const budgets = new Map<string, UserIdBudget>()
  const refusal = `A Bayeux session may use at most ${limits?.maxPerSession} u: ids (sync.maxUserIdsPerSession)`
  return {
    check(text: string, sessionId: string): SyncError | undefined {
      if (!limits) return undefined
      let budget = budgets.get(sessionId)
      if (!budget) budget = { ids: new Set(), max: limits.maxPerSession, refusal }
      const invalid = checkUserIds(text, limits.maxChars, budget)
      if (!invalid && budget.ids.size > 0) budgets.set(sessionId, budget)
      return invalid
    },
    drop: (sessionId: string) => void budgets.delete(sessionId),
  }
}

/**
 * Serves /service/mobwrite with `service` on `bayeux` and forgets sessions when they end.
 * A bad payload, a refused identity, a rate-limited or a failed request is answered with
 * `fail(failureData(error))`, which a CometD remote call sees as `successful: false`.
 * Returns an unbinder.
 */
export function bindMobwrite(
  bayeux: BayeuxServer,
  service: SyncService,
  options: BindOptions = {},
): () => void {
  const identify = options.identify ?? identifySession
  const checkIds = userIdChecker(options.userIds)
  const unbind = bayeux.addService(mobwriteChannel, async (session, message, reply, fail) => {
    const text = readQuery(message.data)
    if (text instanceof SyncError) return fail(failureData(text))
    const identity = identify(session)
    if (identity instanceof SyncError) return fail(failureData(identity))
    // Issue 14 finding 5: as on the gateways, before the rate limit (nothing ran, nothing charged).
    const invalid = checkIds.check(text, session.id)
    if (invalid) return fail(failureData(invalid))
    // The session is the client: its bucket is its own (request-limit.ts).
    const refusal = options.guard?.(withRateClient(identity, `session:${session.id}`))
    if (refusal) return fail(failureData(refusal))
    try {
      reply({ a: await service.handle(text, identity, { sessionId: session.id }) })
    } catch (err) {
      const error =
        err instanceof SyncError ? err : new SyncError(ErrorCode.ERR_INTERNAL, 'Request failed')
      fail(failureData(error))
    }
  })
  const stopListening = bayeux.on('sessionRemoved', (session) => {
    checkIds.drop(session.id)
    service.dropSession(session.id)
  })
  return () => {
    unbind()
    stopListening()
  }
}

/** Sends push notices (`{"sync": files}`, `{"ended": file}`) as deliveries on /service/mobwrite. */
export function bayeuxPush(bayeux: BayeuxServer): (sessionId: string, notice: PushNotice) => void {
  return (sessionId, notice) => bayeux.deliver(sessionId, mobwriteChannel, notice)
}
