// A diff that aligns whole words first (merge.ts then refines replaced words to characters).
// Character diffs of text with repeated letters match pieces of different words ("t1" →
// "t18 t1 t21" read as one insertion "18 t1 t2" inside "t1"; "w3nz " beside a new "w32z " read
// as "+32z w3"), which a three-way merge would then interleave with the other side's edits.
// Diffing word tokens (as diff-match-patch's line mode does with lines) keeps inserted and
// deleted words whole. Pure.

import DiffMatchPatch from 'diff-match-patch'
import type { Hunk } from '../mobwrite/delta.ts'
import { diffHunks, hunksFromDiffs, normalizeHunks } from './diff.ts'

// A word or a symbol takes its trailing spaces and tabs along, so a replaced or inserted word
// carries its own separator; a line break is a token of its own, so a word at the end of a line
// and the empty lines after it are not one token that two people typing on different lines
// would both replace (it kept a word twice) and two conflicting replacements do not fuse ("Bad Fine"). A short
// bracketed group without spaces ("(8l.0)", "[1]", "{x}") is one token: in text of such groups
// and no spaces, symbol tokens aligned the groups piece by piece, and concurrent inserts fused.
const token =
  /\([^()\s]{1,32}\)[^\S\n]*|\[[^[\]\s]{1,32}\][^\S\n]*|\{[^{}\s]{1,32}\}[^\S\n]*|[\p{L}\p{N}_]+[^\S\n]*|\n|[^\S\n]+|[^][^\S\n]*/gu
const space = /\s/

/** The tokens of `text` as this diff aligns them: words and symbols with their white space. */
export function splitTokens(text: string): string[] {
  return text.match(token) ?? []
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

/** Moves `i` left to a token edge of `a`: every tokenization of `a` has a boundary there. */
function edgeBefore(a: string, i: number, floor: number): number {
  while (i > floor && !isTokenEdge(a, i)) i--
  return i
}

/** The end of the token of `text` that starts at `at` (a token boundary). */
function tokenEnd(text: string, at: number): number {
  sticky.lastIndex = at
  return at + (sticky.exec(text)?.[0].length ?? 1)
}

const sticky = new RegExp(token.source, 'uy')

/**
 * Common prefix and suffix of `a` and `b`, shrunk to token boundaries of both texts, so that no
 * token (a word, or a bracketed group such as "(0.2)") is split by the ends the diff skips: dmp
 * would strip "(0." off "(0.0)" → "(0.2)(0.0)" and insert "2)(0.", which a merge interleaves.
 */
function commonEnds(a: string, b: string): { prefix: number; suffix: number } {
  const rawPrefix = dmp.diff_commonPrefix(a, b)
  let prefix = edgeBefore(a, rawPrefix, 0)
  // Equal texts up to rawPrefix tokenize alike from an edge, as long as tokens end inside it.
  for (let end = tokenEnd(a, prefix); end <= rawPrefix && end === tokenEnd(b, prefix);) {
    prefix = end
    if (prefix >= a.length) break
    end = tokenEnd(a, prefix)
  }
  const rawSuffix = Math.min(dmp.diff_commonSuffix(a, b), Math.min(a.length, b.length) - prefix)
  // The suffix starts at the first boundary of `a` inside the common suffix that is also one of
  // `b` (shifted by the length difference); both texts' ends always qualify.
  const shift = b.length - a.length
  let x = edgeBefore(a, a.length - rawSuffix, prefix)
  let y = edgeBefore(b, b.length - rawSuffix, prefix) - shift
  while (x < a.length && (x !== y || x < a.length - rawSuffix)) {
    if (x <= y) x = tokenEnd(a, x)
    else y = tokenEnd(b, y + shift) - shift
  }
  return { prefix, suffix: a.length - Math.min(x, a.length) }
}

/**
 * The hunks that turn `a` into `b`, aligned on whole words (a replaced word is one hunk).
 * Bounded by `timeoutSec` like {@link diffHunks}.
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
  const shifted = hunks.map((h) => ({
    start: h.start + prefix,
    end: h.end + prefix,
    text: h.text,
  }))
  return normalizeHunks(a, shifted)
}
