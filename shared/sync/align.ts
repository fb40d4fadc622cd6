// Canonical placement of pure insertions and deletions before a three-way merge. An insertion
// between equal characters can be written at several offsets ("ab|c ab" = "|abc ab"); two sides
// that pick different offsets at one gap would interleave their texts. Like diff-match-patch's
// `diff_cleanupSemanticLossless`, each pure edit slides to the best word boundary within its
// range, and both sides of a merge apply the same rule, so their edits land at boundaries. Pure.

import type { Hunk } from '../mobwrite/delta.ts'

/** How far an edit may slide each way, in code units (bounds the work on repetitive text). */
const maxSlide = 256

const nonAlnum = /[^a-zA-Z0-9]/
const space = /\s/
const lineBreak = /[\r\n]/

/** diff-match-patch's boundary score between `before` (ends) and `after` (starts); 6 = edge. */
function boundaryScore(before: string, after: string): number {
  const c1 = before[before.length - 1]
  const c2 = after[0]
  if (c1 === undefined || c2 === undefined) return 6
  const isNonAlnum1 = nonAlnum.test(c1)
  const isNonAlnum2 = nonAlnum.test(c2)
  const isSpace1 = isNonAlnum1 && space.test(c1)
  const isSpace2 = isNonAlnum2 && space.test(c2)
  const isBreak1 = isSpace1 && lineBreak.test(c1)
  const isBreak2 = isSpace2 && lineBreak.test(c2)
  if ((isBreak1 && /\n\r?\n$/.test(before)) || (isBreak2 && /^\r?\n\r?\n/.test(after))) return 5
  if (isBreak1 || isBreak2) return 4
  if (isNonAlnum1 && !isSpace1 && isSpace2) return 3
  if (isSpace1 || isSpace2) return 2
  return isNonAlnum1 || isNonAlnum2 ? 1 : 0
}

const isHigh = (c: number): boolean => c >= 0xd800 && c <= 0xdbff
const isLow = (c: number): boolean => c >= 0xdc00 && c <= 0xdfff

function isWhole(s: string): boolean {
  return !isLow(s.charCodeAt(0)) && !isHigh(s.charCodeAt(s.length - 1))
}

/** Whether gap `i` of `s` falls between the halves of a surrogate pair. */
function splitsPair(s: string, i: number): boolean {
  return isHigh(s.charCodeAt(i - 1)) && isLow(s.charCodeAt(i))
}

/** Score of an edit whose moved text is `edit`, between base[..at] and base[end..]. */
function score(base: string, at: number, end: number, edit: string): number {
  const before = base.slice(Math.max(0, at - 3), at)
  const after = base.slice(end, end + 3)
  return boundaryScore(before, edit) + boundaryScore(edit, after)
}

/** The best placement of a pure insertion of `text` at gap `at`, within [lo, hi]. */
function placeInsert(base: string, at: number, text: string, lo: number, hi: number): Hunk {
  let p = at
  let t = text
  // Slide fully left, then walk right through every equivalent placement.
  for (let n = 0; n < maxSlide && p > lo && t[t.length - 1] === base[p - 1]; n++) {
    t = base[p - 1] + t.slice(0, -1)
    p--
  }
  let best = { start: p, end: p, text: t }
  let bestScore = -1
  for (let n = 0; n <= 2 * maxSlide; n++) {
    const s = isWhole(t) && !splitsPair(base, p) ? score(base, p, p, t) : -1
    if (s > bestScore) [best, bestScore] = [{ start: p, end: p, text: t }, s]
    if (p >= hi || t[0] !== base[p]) break
    t = t.slice(1) + base[p]
    p++
  }
  return best
}

/** The best placement of a pure deletion of base[start, end), within [lo, hi]. */
function placeDelete(base: string, start: number, end: number, lo: number, hi: number): Hunk {
  let s = start
  let e = end
  for (let n = 0; n < maxSlide && s > lo && base[s - 1] === base[e - 1]; n++)
    [s, e] = [s - 1, e - 1]
  let best = { start: s, end: e, text: '' }
  let bestScore = -1
  for (let n = 0; n <= 2 * maxSlide; n++) {
    const cut = base.slice(s, e)
    const isOk = !splitsPair(base, s) && !splitsPair(base, e)
    const sc = isOk ? score(base, s, e, cut) : -1
    if (sc > bestScore) [best, bestScore] = [{ start: s, end: e, text: '' }, sc]
    if (e >= hi || base[s] !== base[e]) break
    ;[s, e] = [s + 1, e + 1]
  }
  return best
}

/**
 * Moves every pure insertion and pure deletion of `hunks` (sorted, over `base`) to its best
 * word boundary among equivalent placements, without crossing a neighbouring hunk (it may touch
 * one). The result gives the same text; it is meant for the three-way merge,
 * not for deltas (hunks may touch).
 */
export function alignHunks(base: string, hunks: readonly Hunk[]): Hunk[] {
  const out: Hunk[] = []
  hunks.forEach((h, i) => {
    const lo = out[out.length - 1]?.end ?? 0
    const hi = hunks[i + 1]?.start ?? base.length
    if (h.start === h.end && h.text) out.push(placeInsert(base, h.start, h.text, lo, hi))
    else if (!h.text && h.end > h.start) out.push(placeDelete(base, h.start, h.end, lo, hi))
    else out.push(h)
  })
  return out
}
