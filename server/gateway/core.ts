// What every raw MobWrite gateway does with one decoded request: rate limit, `b:` buffer
// reassembly, then the sync service's one entry point, which applies the same engine, access
// rules and store as the Bayeux path (DESIGN §5). Never throws: trouble becomes an `E:` line.

import { ErrorCode, SyncError } from '../../shared/errors.ts'
import type { Identity } from '../auth/identity.ts'
import { logException } from '../log.ts'
import type { RequestOrigin, SyncService } from '../sync/service.ts'
import { errorLine } from './answer.ts'
import type { GatewayBuffers } from '../../shared/mobwrite/buffers.ts'

/** What the gateways need from the rest of Tandem. */
export interface GatewayCoreDeps {
  readonly sync: Pick<SyncService, 'handle'>
  /** Reassembles `b:` fragments (one instance for all gateways: JSONP blocks may mix paths). */
  readonly buffers: GatewayBuffers
  /** Takes one request from the identity's rate bucket; an error refuses the request. */
  readonly rateLimit?: (identity: Identity) => SyncError | undefined
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
        const refused = deps.rateLimit?.(identity)
        if (refused) return errorLine(refused.message)
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
