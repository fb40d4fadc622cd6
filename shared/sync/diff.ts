// Text differences as hunks (shared/mobwrite/delta.ts) via diff-match-patch, with a bounded
// time budget and boundaries that never split a surrogate pair (DESIGN §6; the 2009 dmp.js
// threw URIError on one, mobwrite-notes §1.6). Pure.

import DiffMatchPatch from 'diff-match-patch'
import type { Hunk } from '../mobwrite/delta.ts'

const isHigh = (c: number): boolean => c >= 0xd800 && c <= 0xdbff
const isLow = (c: number): boolean => c >= 0xdc00 && c <= 0xdfff

/** Whether index `i` of `s` falls between the two halves of a surrogate pair. */
function splitsPair(s: string, i: number): boolean {
  return i > 0 && i < s.length && isHigh(s.charCodeAt(i - 1)) && isLow(s.charCodeAt(i))
}

/** Widens one hunk so neither edge falls inside a surrogate pair of `base`. */
function widen(base: string, h: Hunk): Hunk {
  let { start, end, text } = h
  if (splitsPair(base, start)) {
    start--
    text = base[start] + text
  }
  if (splitsPair(base, end)) {
    text += base[end]
    end++
  }
  return start === h.start && end === h.end ? h : { start, end, text }
}

/**
 * Makes a hunk list canonical over `base`: sorted input, no hunk edge inside a surrogate pair,
 * touching hunks joined, no-op hunks dropped.
 */
export function normalizeHunks(base: string, hunks: readonly Hunk[]): Hunk[] {
  const out: Hunk[] = []
  for (const raw of hunks) {
    if (raw.start === raw.end && !raw.text) continue
    const h = widen(base, raw)
    const last = out[out.length - 1]
    if (last && h.start <= last.end) {
      out[out.length - 1] = { start: last.start, end: h.end, text: last.text + h.text }
    } else out.push(h)
  }
  return out.filter((h) => h.text !== base.slice(h.start, h.end))
}

/** Converts diff-match-patch diffs into raw hunks (consecutive edits form one hunk). */
export function hunksFromDiffs(diffs: readonly DiffMatchPatch.Diff[]): Hunk[] {
  const hunks: Hunk[] = []
  let pos = 0
  let pending: { start: number; end: number; text: string } | null = null
  for (const [op, text] of diffs) {
    if (op === DiffMatchPatch.DIFF_EQUAL) {
      if (pending) hunks.push(pending)
      pending = null
      pos += text.length
      continue
    }
    pending ??= { start: pos, end: pos, text: '' }
    if (op === DiffMatchPatch.DIFF_DELETE) {
      pending.end += text.length
      pos += text.length
    } else pending.text += text
  }
  if (pending) hunks.push(pending)
  return hunks
}

function diffsToHunks(base: string, diffs: readonly DiffMatchPatch.Diff[]): Hunk[] {
  return normalizeHunks(base, hunksFromDiffs(diffs))
}

/** Options of {@link diffHunks}. */
export interface DiffOptions {
  /** diff-match-patch `Diff_Timeout` in seconds; 0 means no limit. */
  readonly timeoutSec: number
  /** Run `diff_cleanupEfficiency` (smaller deltas, as the daemon did) — default true. */
  readonly isEfficient?: boolean
}

const dmp = new DiffMatchPatch()

/**
 * The hunks that turn `a` into `b`, computed within the time budget (a timed-out diff is still
 * correct, only less minimal). Edges never split a surrogate pair.
 */
export function diffHunks(a: string, b: string, options: DiffOptions): Hunk[] {
  if (a === b) return []
  dmp.Diff_Timeout = options.timeoutSec
  const diffs = dmp.diff_main(a, b)
  if (options.isEfficient !== false) dmp.diff_cleanupEfficiency(diffs)
  return diffsToHunks(a, diffs)
}
