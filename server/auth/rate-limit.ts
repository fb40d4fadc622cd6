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
  /** How long until `key`'s bucket holds a whole request, in ms (0: now). Takes nothing. */
  waitMs(key: string): number
  /** Like {@link take}, but returns the `ERR_RATE_LIMITED` error (with `retryAfterMs`) instead of false. */
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

  function bucketOf(key: string, nowMs: number): Bucket {
    let bucket = buckets.get(key)
    if (!bucket) {
      if (buckets.size >= maxKeys) prune(nowMs)
      bucket = { tokens: burst, updatedMs: nowMs }
      buckets.set(key, bucket)
    }
    refill(bucket, nowMs)
    return bucket
  }

  function take(key: string): boolean {
    if (isOff) return true
    const bucket = bucketOf(key, now())
    if (bucket.tokens < 1) return false
    bucket.tokens -= 1
    return true
  }

  function waitMs(key: string): number {
    if (isOff) return 0
    const bucket = buckets.get(key)
    if (!bucket) return 0
    refill(bucket, now())
    return bucket.tokens >= 1 ? 0 : Math.ceil(((1 - bucket.tokens) * 1000) / ratePerSecond)
  }

  return {
    take,
    waitMs,
    check(key) {
      const retryAfterMs = waitMs(key)
      if (retryAfterMs === 0 && take(key)) return undefined
      return rateLimitedError(
        `at most ${ratePerSecond} per second (bursts of ${burst})`,
        Math.max(1, retryAfterMs),
      )
    },
    size: () => buckets.size,
  }
}

/**
 * The recoverable `ERR_RATE_LIMITED` refusal: `limit` says which limit (`at most 50 per second
 * …`), `retryAfterMs` when a retry will pass. Nothing was changed by the refused request.
 */
export function rateLimitedError(limit: string, retryAfterMs: number): SyncError {
  return new SyncError(
    ErrorCode.ERR_RATE_LIMITED,
    `Too many requests: ${limit}; nothing was changed, retry after ${retryAfterMs} ms`,
    true,
    retryAfterMs,
  )
}
