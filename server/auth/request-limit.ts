// Request rate limits in two tiers (issue 13). Every MobWrite request counts once against its
// client (a Bayeux session, a `/mobwrite` socket, or a gateway view: `u:` id + files) and once
// against its group (its token, or its address when anonymous), whose budget is much larger: one
// flooding client is slowed alone, a crowd behind one NAT is not. A refused request takes
// nothing from either bucket, so the client's retry is not charged twice. Pure but for the clock.

import type { SyncError } from '../../shared/errors.ts'
import type { AuthConfig } from '../config.ts'
import { createRateLimiter, rateLimitedError } from './rate-limit.ts'

/** What a transport knows about where a request comes from, for the client tier. */
export interface RateScope {
  /**
   * The client's bucket key: `session:<id>` for a Bayeux session or `/mobwrite` socket,
   * `view:<u>:<files>` for a gateway request. Absent: only the group's bucket counts.
   */
  readonly rateClient?: string
}

// Scoped copies made by withRateClient, mapped to the identity they copy: auth recognizes a
// token identity by the object itself (identity.ts tokenHashes), so it checks the original.
const originals = new WeakMap<object, object>()

/**
 * `identity` with `rateClient` set, for a guard that takes one argument (the sync service's
 * `guard`, the gateways' `rateLimit`). Use {@link originalIdentity} to get `identity` back.
 */
export function withRateClient<T extends object>(identity: T, rateClient: string): T & RateScope {
  const scoped = { ...identity, rateClient }
  originals.set(scoped, identity)
  return scoped
}

/** The identity a {@link withRateClient} copy was made from; any other object as it is. */
export function originalIdentity<T extends object>(identity: T): T {
  return (originals.get(identity) as T | undefined) ?? identity
}

/** The two keys of one request. */
export interface RequestLimitKeys {
  /** The client's key (see {@link RateScope}), made unique per group by the caller. */
  readonly client: string | undefined
  /** The group's key: `token:<id>`, or `address:<ip>` for anonymous requests. */
  readonly group: string
  /** Whether the group is an address (for the message), else a token. */
  readonly isAddress: boolean
}

/** Counts requests against both tiers; see the module header. */
export interface RequestLimiter {
  /** Takes one request from both buckets, or refuses with ERR_RATE_LIMITED and takes nothing. */
  check(keys: RequestLimitKeys): SyncError | undefined
}

type Limits = Pick<
  AuthConfig,
  'ratePerSecond' | 'rateBurst' | 'sharedRatePerSecond' | 'sharedRateBurst'
>

/** Creates the limiter. `ratePerSecond: 0` switches both tiers off, `sharedRatePerSecond: 0` the group tier. */
export function createRequestLimiter(limits: Limits, now?: () => number): RequestLimiter {
  const clock = now ? { now } : {}
  const isOff = !(limits.ratePerSecond > 0) || !(limits.rateBurst > 0)
  const clients = createRateLimiter({
    ratePerSecond: limits.ratePerSecond,
    burst: limits.rateBurst,
    ...clock,
  })
  const groups = createRateLimiter({
    ratePerSecond: limits.sharedRatePerSecond,
    burst: limits.sharedRateBurst,
    ...clock,
  })
  return {
    check({ client, group, isAddress }) {
      if (isOff) return undefined
      const clientWaitMs = client === undefined ? 0 : clients.waitMs(client)
      if (clientWaitMs > 0) {
        const limit = `at most ${limits.ratePerSecond} per second from one client (bursts of ${limits.rateBurst})`
        return rateLimitedError(limit, clientWaitMs)
      }
      const groupWaitMs = groups.waitMs(group)
      if (groupWaitMs > 0) {
        const from = isAddress ? 'one address' : 'one token'
        const limit = `at most ${limits.sharedRatePerSecond} per second from ${from} (bursts of ${limits.sharedRateBurst})`
        return rateLimitedError(limit, groupWaitMs)
      }
      if (client !== undefined) clients.take(client)
      groups.take(group)
      return undefined
    },
  }
}
