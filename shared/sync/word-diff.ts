// A diff that aligns whole words first, then characters inside changed words. Character diffs
// of text with repeated words may match pieces of different words ("t1" → "t18 t1 t21" read as
// one insertion "18 t1 t2" inside "t1"), which a three-way merge would then interleave with the
// other side's edits. Diffing word tokens (as diff-match-patch's line mode does with lines)
// keeps inserted and deleted words whole. Pure.

import DiffMatchPatch from 'diff-match-patch'
import type { Hunk } from '../mobwrite/delta.ts'
import { diffHunks, hunksFromDiffs, normalizeHunks, refineHunks } from './diff.ts'

// A word or a symbol takes its trailing white space along, so a replaced or inserted word
// carries its own separator and two conflicting replacements do not fuse ("Bad Fine").
const token = /[\p{L}\p{N}_]+\s*|\s+|[^]\s*/gu
const space = /\s/
const wordChar = /[\p{L}\p{N}_]/u

/** The tokens of `text` as this diff aligns them: words and symbols with their white space. */
export function splitTokens(text: string): string[] {
  return text.match(token) ?? []
}

/** A replaced run longer than this is diffed by character (see {@link isLongRun}). */
const maxWordChars = 16

const oneRun = /^\S+\s*$/

/** Whether a replacement is one long run of non-space text changed into another. */
function isLongRun(deleted: string, inserted: string): boolean {
  return deleted.length > maxWordChars && oneRun.test(deleted) && oneRun.test(inserted)
}

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

/** Whether offset `i` of `a` starts a token that follows white space (or is an end). */
function isTokenEdge(a: string, i: number): boolean {
  return i <= 0 || i >= a.length || (space.test(a[i - 1] ?? '') && !space.test(a[i] ?? ''))
}

/** How far to look for a token edge before settling for a word edge. */
const maxBackoff = 64

/** Moves `i` left to a token edge (or at least out of a word) of `a`. */
function backToEdge(a: string, i: number): number {
  for (let j = i; j >= Math.max(0, i - maxBackoff); j--) if (isTokenEdge(a, j)) return j
  while (i > 0 && wordChar.test(a[i - 1] ?? '') && wordChar.test(a[i] ?? '')) i--
  return i
}

/** Common prefix and suffix of `a` and `b`, shrunk so they end and start at token edges. */
function commonEnds(a: string, b: string): { prefix: number; suffix: number } {
  const prefix = backToEdge(a, dmp.diff_commonPrefix(a, b))
  const max = Math.min(a.length, b.length) - prefix
  let suffix = Math.min(dmp.diff_commonSuffix(a, b), max)
  // The suffix must start at a token edge in both texts; moving right only shrinks it.
  for (let n = 0; suffix > 0 && n < maxBackoff && !isTokenEdge(a, a.length - suffix); n++) suffix--
  while (
    suffix > 0 &&
    wordChar.test(a[a.length - suffix] ?? '') &&
    wordChar.test(a[a.length - suffix - 1] ?? '')
  )
    suffix--
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
  // Replaced words stay whole; only one long run replaced by another (CJK text, a long
  // identifier) is refined, so that two edits inside one run can both be kept.
  const refined = refineHunks(midA, hunks, timeoutSec, isLongRun)
  const shifted = refined.map((h) => ({
    start: h.start + prefix,
    end: h.end + prefix,
    text: h.text,
  }))
  return normalizeHunks(a, shifted)
}
