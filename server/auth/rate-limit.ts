// Per-identity rate limiting with token buckets: each key gets `burst` requests at once and
// `ratePerSecond` more per second after that. Time comes from an injected clock; no timers.

import { ErrorCode, SyncError } from '../../shared/errors.ts'

/** Options of {@link createRateLimiter}; defaults live in `defaultConfig.auth`. */
export interface RateLimitOptions {
  /** Bucket refill rate: sustained requests per second. */
  readonly ratePerSecond: number
  /** Bucket size: requests allowed at once. */
  readonly burst: number
  /** Clock in ms (tests inject one). */
  readonly now?: () => number
  /** Most keys remembered; full buckets are forgotten first when over it. */
  readonly maxKeys?: number
}

/** A set of token buckets keyed by identity. */
export interface RateLimiter {
  /** Takes one request from `key`'s bucket; returns false (and takes nothing) when it is empty. */
  take(key: string): boolean
  /** Like {@link take}, but returns the `ERR_RATE_LIMITED` error instead of false. */
  check(key: string): SyncError | undefined
  /** How many keys are tracked (for tests and metrics). */
  size(): number
}

interface Bucket {
  tokens: number
  updatedMs: number
}

/** Creates a rate limiter. A rate or burst of 0 or less switches limiting off. */
export function createRateLimiter(options: RateLimitOptions): RateLimiter {
  const { ratePerSecond, burst } = options
  const now = options.now ?? Date.now
  const maxKeys = options.maxKeys ?? 100_000
  const buckets = new Map<string, Bucket>()
  const isOff = !(ratePerSecond > 0) || !(burst > 0)

  function refill(bucket: Bucket, nowMs: number): void {
    const elapsedMs = Math.max(0, nowMs - bucket.updatedMs)
    bucket.tokens = Math.min(burst, bucket.tokens + (elapsedMs * ratePerSecond) / 1000)
    bucket.updatedMs = nowMs
  }

  // Buckets that refilled completely carry no information; drop them when the map grows.
  function prune(nowMs: number): void {
    for (const [key, bucket] of buckets) {
      refill(bucket, nowMs)
      if (bucket.tokens >= burst) buckets.delete(key)
    }
  }

  function take(key: string): boolean {
    if (isOff) return true
    const nowMs = now()
    let bucket = buckets.get(key)
    if (!bucket) {
      if (buckets.size >= maxKeys) prune(nowMs)
      bucket = { tokens: burst, updatedMs: nowMs }
      buckets.set(key, bucket)
    }
    refill(bucket, nowMs)
    if (bucket.tokens < 1) return false
    bucket.tokens -= 1
    return true
  }

  return {
    take,
    check(key) {
      if (take(key)) return undefined
      return new SyncError(
        ErrorCode.ERR_RATE_LIMITED,
        `Too many requests: at most ${ratePerSecond} per second (bursts of ${burst}); slow down and retry`,
        true,
      )
    },
    size: () => buckets.size,
  }
}
