// What every raw MobWrite gateway does with one decoded request: rate limit, `b:` buffer
// reassembly, then the sync service's one entry point, which applies the same engine, access
// rules and store as the Bayeux path (DESIGN §5). Never throws: trouble becomes an `E:` line.

import { ErrorCode, SyncError } from '../../shared/errors.ts'
import type { Identity } from '../auth/identity.ts'
import { withRateClient, type RateScope } from '../auth/request-limit.ts'
import { parseRequest } from '../../shared/mobwrite/codec.ts'
import { logException } from '../log.ts'
import type { RequestOrigin, SyncService } from '../sync/service.ts'
import { errorLine } from './answer.ts'
import type { GatewayBuffers } from '../../shared/mobwrite/buffers.ts'

/** What the gateways need from the rest of Tandem. */
export interface GatewayCoreDeps {
  readonly sync: Pick<SyncService, 'handle'>
  /** Reassembles `b:` fragments (one instance for all gateways: JSONP blocks may mix paths). */
  readonly buffers: GatewayBuffers
  /**
   * Takes one request from the rate buckets of the client (`rateClient`: the socket's session,
   * else the view) and of its token or address; an error refuses the request (auth's checkRequest).
   */
  readonly rateLimit?: (identity: Identity & RateScope) => SyncError | undefined
  /** Longest `u:` id accepted (gateway.maxUserIdChars); default: no limit. */
  readonly maxUserIdChars?: number
}

/**
 * The `u:` ids one connection has used so far and how many it may use (a `/mobwrite` socket:
 * each id is tracked for push notices while it is open, gateway.wsMaxUserIdsPerSocket).
 */
export interface UserIdBudget {
  readonly ids: Set<string>
  readonly max: number
  /** What a request past `max` is told; default: the `/mobwrite` socket's limit. */
  readonly refusal?: string
}

/** Runs decoded requests for the gateways. */
export interface GatewayCore {
  /**
   * Answers one request text (framing and form encoding removed) as `identity`. Resolves with
   * the daemon's answer bytes (`''`, or lines that each end in `\n`, no blank line); errors
   * come back as an `E:all:` line, never as a rejection.
   */
  answer(
    text: string,
    identity: Identity,
    origin?: RequestOrigin,
    userIds?: UserIdBudget,
  ): Promise<string>
}

function describe(err: unknown): string {
  if (err instanceof SyncError) return err.message
  logException('gateway request failed', err)
  return 'Processing error'
}

/**
 * The client a request's rate bucket belongs to (request-limit.ts): the `/mobwrite` socket's
 * session, else the view, `u:` id plus the files the request names; none for a request that
 * names no file (only its token's or address's bucket counts).
 */
export function rateClientOf(text: string, origin?: RequestOrigin): string | undefined {
  if (origin?.sessionId !== undefined) return `session:${origin.sessionId}`
  const { actions } = parseRequest(text)
  const first = actions[0]
  if (first === undefined) return undefined
  const files = [...new Set(actions.map((a) => a.file))].sort()
  return `view:${JSON.stringify([first.user, ...files])}`
}

/**
 * Whose budget a request's `b:` fragments count against: its token, or its address when
 * anonymous (the handle's display name is the client's to choose, so it cannot be the key).
 */
export function bufferGroupOf(identity: Identity): string {
  return identity.isAnonymous
    ? `address:${identity.ip}`
    : `token:${identity.tokenId ?? identity.principal}`
}

// Whether buffers.feed will take `text` as fragments (a terminated request with a `b:` line).
function hasFragments(text: string): boolean {
  const { terminated, buffer } = parseRequest(text)
  return terminated && buffer !== null
}

/**
 * Why the `u:` ids of `text` are refused, or undefined: one is longer than `maxChars`, or
 * `budget` would have to hold more than its `max` (then it is left unchanged). Otherwise the
 * ids are added to `budget`.
 */
export function checkUserIds(
  text: string,
  maxChars: number,
  budget?: UserIdBudget,
): SyncError | undefined {
  const fresh = new Set<string>()
  for (const line of parseRequest(text).lines) {
    if (line.type !== 'user') continue
    if (line.user.length > maxChars) {
      const message = `A u: id is ${line.user.length} characters long (at most ${maxChars}, gateway.maxUserIdChars)`
      return new SyncError(ErrorCode.ERR_REQUEST_INVALID, message)
    }
    if (budget && !budget.ids.has(line.user)) fresh.add(line.user)
  }
  if (!budget || fresh.size === 0) return undefined
  if (budget.ids.size + fresh.size > budget.max) {
    const message =
      budget.refusal ??
      `A /mobwrite socket may use at most ${budget.max} u: ids (gateway.wsMaxUserIdsPerSocket)`
    return new SyncError(ErrorCode.ERR_REQUEST_INVALID, message)
  }
  for (const id of fresh) budget.ids.add(id)
  return undefined
}

/** Creates the core the HTTP, TCP and WebSocket gateways share. */
export function createGatewayCore(deps: GatewayCoreDeps): GatewayCore {
  return {
    async answer(text, identity, origin, userIds) {
      try {
        // A fragment is a request (issue 14: unmetered fragments filled memory), but only for
        // its token's or address's bucket: one long JSONP sync arrives as dozens of fragments
        // (1000-character URLs) and must not exhaust its client's burst by itself.
        const fragmentRefused = hasFragments(text) ? deps.rateLimit?.(identity) : undefined
        if (fragmentRefused) return errorLine(`${fragmentRefused.code}: ${fragmentRefused.message}`)
        const whole = deps.buffers.feed(text, identity.handle, bufferGroupOf(identity))
        // An incomplete buffer answers nothing: the JSONP client reads mobwrite.callback("") as
        // "fragment received" (mobwrite-notes §1.8).
        if (whole === undefined) return ''
        const invalid = checkUserIds(whole, deps.maxUserIdChars ?? Infinity, userIds)
        if (invalid) return errorLine(`${invalid.code}: ${invalid.message}`)
        const rateClient = rateClientOf(whole, origin)
        const scoped = rateClient === undefined ? identity : withRateClient(identity, rateClient)
        const refused = deps.rateLimit?.(scoped)
        // Refused: nothing ran. The E: line keeps the original client's edit stack (core.js
        // syncRun2_ skips E: lines and acks nothing without F:) and schedules its next sync;
        // an empty answer would stall a JSONP client until its 30 s watchdog.
        if (refused) return errorLine(`${refused.code}: ${refused.message}`)
        return await deps.sync.handle(whole, identity, origin)
      } catch (err) {
        return errorLine(describe(err))
      }
    },
  }
}

/** The `E:all:` answer for an identity or decoding failure before a request could run. */
export function refusalAnswer(err: unknown): string {
  if (err instanceof SyncError) return errorLine(err.message)
  return errorLine(new SyncError(ErrorCode.ERR_INTERNAL, 'Processing error').message)
}
