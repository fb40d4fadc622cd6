// Timing of the browser sync loop: the adaptive idle interval (mobwrite-notes §3.2) and the
// MobWrite user id. Pure; no DOM, no timers.

/** The sync loop's tunables. */
export interface SyncTiming {
  /** Shortest idle poll, and the first retry delay after a failure. */
  readonly minIntervalMs: number
  /** Longest idle poll: the safety net behind push hints. */
  readonly maxIntervalMs: number
  /** Wait after a keystroke so a burst of typing goes out as one request. */
  readonly batchDelayMs: number
  /** Give up on an answer after this long; the edits stay stacked and are sent again. */
  readonly requestTimeoutMs: number
  /** Longest wait between retries after repeated failures. */
  readonly maxBackoffMs: number
}

/** The defaults of {@link SyncTiming}. */
export const defaultTiming: SyncTiming = {
  minIntervalMs: 1_000,
  maxIntervalMs: 5_000,
  batchDelayMs: 25,
  requestTimeoutMs: 15_000,
  maxBackoffMs: 30_000,
}

/**
 * The next idle interval, MobWrite's `computeSyncInterval_` rule: a local change cuts 40 % of
 * the range, a server change 20 %, a quiet sync adds 10 %; clamped to the range.
 */
export function computeSyncInterval(
  currentMs: number,
  timing: Pick<SyncTiming, 'minIntervalMs' | 'maxIntervalMs'>,
  hasClientChange: boolean,
  hasServerChange: boolean,
): number {
  const range = timing.maxIntervalMs - timing.minIntervalMs
  let next = currentMs
  if (hasClientChange) next -= range * 0.4
  if (hasServerChange) next -= range * 0.2
  if (!hasClientChange && !hasServerChange) next += range * 0.1
  return Math.max(timing.minIntervalMs, Math.min(timing.maxIntervalMs, next))
}

const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789'

/**
 * A random MobWrite user id: an editor instance, not a person. Twelve characters, a letter
 * first and no `:` (as Mozilla's client made them), from `crypto.getRandomValues`.
 */
export function createUserId(
  random: (bytes: Uint8Array) => Uint8Array = (b) => crypto.getRandomValues(b),
): string {
  const bytes = random(new Uint8Array(12))
  return [...bytes]
    .map((byte, i) => (i === 0 ? alphabet[byte % 26] : alphabet[byte % alphabet.length]))
    .join('')
}
