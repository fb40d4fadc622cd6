// A diff that aligns whole words first, then characters inside changed words. Character diffs
// of text with repeated words may match pieces of different words ("t1" → "t18 t1 t21" read as
// one insertion "18 t1 t2" inside "t1"), which a three-way merge would then interleave with the
// other side's edits. Diffing word tokens (as diff-match-patch's line mode does with lines)
// keeps inserted and deleted words whole. Pure.

import DiffMatchPatch from 'diff-match-patch'
import type { Hunk } from '../mobwrite/delta.ts'
import { diffHunks, hunksFromDiffs, normalizeHunks, refineHunks } from './diff.ts'

const token = /[\p{L}\p{N}_]+|\s+|[^]/gu
const wordChar = /[\p{L}\p{N}_]/u

/** Replaced text up to this long is kept whole by a merge; longer runs are diffed by character. */
const maxWordChars = 16

/** Most distinct tokens one diff encodes (one code unit each, as dmp's line mode). */
const maxTokens = 60_000

const dmp = new DiffMatchPatch()

/** Encodes both texts as strings of one character per token; null when there are too many. */
function encode(a: string, b: string): { a: string; b: string; tokens: string[] } | null {
  const tokens: string[] = []
  const ids = new Map<string, number>()
  const one = (text: string): string | null => {
    let out = ''
    for (const m of text.matchAll(token)) {
      let id = ids.get(m[0])
      if (id === undefined) {
        if (tokens.length >= maxTokens) return null
        id = tokens.push(m[0]) - 1
        ids.set(m[0], id)
      }
      out += String.fromCharCode(id + 1)
    }
    return out
  }
  const ea = one(a)
  const eb = ea === null ? null : one(b)
  return ea === null || eb === null ? null : { a: ea, b: eb, tokens }
}

/** Turns a diff of token codes back into a diff of text. */
function decode(
  diffs: readonly DiffMatchPatch.Diff[],
  tokens: readonly string[],
): DiffMatchPatch.Diff[] {
  return diffs.map(([op, codes]) => {
    let text = ''
    for (let i = 0; i < codes.length; i++) text += tokens[codes.charCodeAt(i) - 1] ?? ''
    return [op, text]
  })
}

/** Common prefix and suffix of `a` and `b`, shrunk so they end and start at word edges. */
function commonEnds(a: string, b: string): { prefix: number; suffix: number } {
  let prefix = dmp.diff_commonPrefix(a, b)
  while (prefix > 0 && wordChar.test(a[prefix - 1] ?? '') && wordChar.test(a[prefix] ?? ''))
    prefix--
  const max = Math.min(a.length, b.length) - prefix
  let suffix = Math.min(dmp.diff_commonSuffix(a, b), max)
  const at = (): number => a.length - suffix
  while (suffix > 0 && wordChar.test(a[at()] ?? '') && wordChar.test(a[at() - 1] ?? '')) suffix--
  return { prefix, suffix }
}

/**
 * The hunks that turn `a` into `b`, aligned on whole words, then refined to characters inside
 * replaced words. Bounded by `timeoutSec` like {@link diffHunks}.
 */
export function wordDiffHunks(a: string, b: string, timeoutSec: number): Hunk[] {
  if (a === b) return []
  const { prefix, suffix } = commonEnds(a, b)
  const midA = a.slice(prefix, a.length - suffix)
  const midB = b.slice(prefix, b.length - suffix)
  const encoded = encode(midA, midB)
  if (!encoded) return diffHunks(a, b, { timeoutSec, isEfficient: false })
  dmp.Diff_Timeout = timeoutSec
  const diffs = dmp.diff_main(encoded.a, encoded.b, false)
  const hunks = hunksFromDiffs(decode(diffs, encoded.tokens))
  // Replaced words stay whole; only long runs (CJK text, long identifiers) are refined so that
  // two edits inside one run can both be kept.
  const refined = refineHunks(midA, hunks, timeoutSec, maxWordChars)
  const shifted = refined.map((h) => ({
    start: h.start + prefix,
    end: h.end + prefix,
    text: h.text,
  }))
  return normalizeHunks(a, shifted)
}
