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
}

/** Runs decoded requests for the gateways. */
export interface GatewayCore {
  /**
   * Answers one request text (framing and form encoding removed) as `identity`. Resolves with
   * the daemon's answer bytes (`''`, or lines that each end in `\n`, no blank line); errors
   * come back as an `E:all:` line, never as a rejection.
   */
  answer(text: string, identity: Identity, origin?: RequestOrigin): Promise<string>
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

/** Creates the core the HTTP, TCP and WebSocket gateways share. */
export function createGatewayCore(deps: GatewayCoreDeps): GatewayCore {
  return {
    async answer(text, identity, origin) {
      try {
        const whole = deps.buffers.feed(text, identity.handle)
        // An incomplete buffer answers nothing: the JSONP client reads mobwrite.callback("") as
        // "fragment received" (mobwrite-notes §1.8).
        if (whole === undefined) return ''
        // Only whole requests count against the rate limit: one long JSONP sync arrives as
        // dozens of fragments (1000-character URLs) and must not exhaust the burst by itself.
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
