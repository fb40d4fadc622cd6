// Character-level refinement where both sides of a three-way merge edit the same ancestor text
// (DESIGN §6 "Merge, don't guess"). Word hunks (word-diff.ts) replace whole words, so two people
// typing inside one word both replaced it and the merge kept the word twice ("ab" → "cabd" and
// "aeb" gave "cabdaeb"). Where the sides' hunks overlap, both are re-diffed by character, word
// by word; what still replaces characters is widened back to whole words, so only a word both
// sides changed differently is kept twice ("Good" → "Bad" and "Fine" give "Bad Fine"). Pure.

import DiffMatchPatch from 'diff-match-patch'
import { applyHunks, type Hunk } from '../mobwrite/delta.ts'
import { alignHunks } from './align.ts'
import { hunksFromDiffs, normalizeHunks } from './diff.ts'
import { splitTokens } from './word-diff.ts'

/** Both sides' hunk lists over one ancestor, each sorted and non-overlapping. */
export interface HunkPair {
  readonly first: readonly Hunk[]
  readonly second: readonly Hunk[]
}

/** A run of hunks of both sides that touch the same ancestor characters. */
interface Group {
  start: number
  end: number
  first: Hunk[]
  second: Hunk[]
}

const isInsert = (h: Hunk): boolean => h.start === h.end
const isReplace = (h: Hunk): boolean => h.end > h.start && h.text !== ''

/**
 * Whether hunk `h` (not starting before `g`) touches the characters of group `g`: its range
 * overlaps the group's, or its insert falls strictly inside it. Touching ends do not count:
 * merge3 already orders an insert at an edge against a neighbouring deletion.
 */
function overlapsGroup(h: Hunk, g: Group): boolean {
  return isInsert(h) ? g.start < h.start && h.start < g.end : h.start < g.end
}

/** Splits both sides' hunks into groups of mutually overlapping hunks, in ancestor order. */
function groupHunks(pair: HunkPair): Group[] {
  const tagged = [
    ...pair.first.map((hunk) => ({ hunk, isFirst: true })),
    ...pair.second.map((hunk) => ({ hunk, isFirst: false })),
  ].sort((a, b) => a.hunk.start - b.hunk.start)
  const groups: Group[] = []
  for (const { hunk, isFirst } of tagged) {
    let g = groups[groups.length - 1]
    if (!g || !overlapsGroup(hunk, g)) {
      g = { start: hunk.start, end: hunk.end, first: [], second: [] }
      groups.push(g)
    }
    g.end = Math.max(g.end, hunk.end)
    ;(isFirst ? g.first : g.second).push(hunk)
  }
  return groups
}

/** `hunks` moved by `offset` ancestor positions. */
function shift(hunks: readonly Hunk[], offset: number): Hunk[] {
  return hunks.map((h) => ({ start: h.start + offset, end: h.end + offset, text: h.text }))
}

const dmp = new DiffMatchPatch()

/** Character hunks turning `a` into `b`, without semantic cleanup, at canonical places. */
function diffChars(a: string, b: string, timeoutSec: number): Hunk[] {
  dmp.Diff_Timeout = timeoutSec
  return alignHunks(a, normalizeHunks(a, hunksFromDiffs(dmp.diff_main(a, b, false))))
}

/**
 * One word hunk re-diffed by character, token by token, when it replaces as many tokens as it
 * inserts (typing inside words keeps their count). Otherwise words were replaced by other
 * words, and a character diff would only find letters they happen to share.
 */
function refineHunk(ancestor: string, h: Hunk, timeoutSec: number): Hunk[] {
  const deleted = splitTokens(ancestor.slice(h.start, h.end))
  const inserted = splitTokens(h.text)
  if (deleted.length === 0 || deleted.length !== inserted.length) return [h]
  const out: Hunk[] = []
  let at = h.start
  deleted.forEach((old, i) => {
    const text = inserted[i] as string
    if (old !== text) out.push(...shift(diffChars(old, text, timeoutSec), at))
    at += old.length
  })
  return out
}

/** A replaced run longer than this stays a character edit (word-diff.ts `maxWordChars`). */
const maxWordChars = 16
const wordChar = /[\p{L}\p{N}_]/u
const space = /\s/

const isWordAt = (s: string, i: number): boolean => wordChar.test(s[i] ?? '')

/** The word (of at most {@link maxWordChars}) holding character `i` of `s`, or null. */
function wordAt(s: string, i: number): { start: number; end: number } | null {
  if (!isWordAt(s, i)) return null
  let start = i
  let end = i + 1
  while (isWordAt(s, start - 1) && end - start <= maxWordChars) start--
  while (isWordAt(s, end) && end - start <= maxWordChars) end++
  return end - start > maxWordChars ? null : { start, end }
}

/** The word gap `i` of `s` cuts in two, or null. */
const wordCut = (s: string, i: number): { start: number; end: number } | null =>
  isWordAt(s, i - 1) ? wordAt(s, i) : null

/**
 * The whole tokens (a word or symbol with its trailing white space, as in word-diff.ts) around
 * a replacement, or around an insert typed into or at the end of a word; a long run (CJK text)
 * is not widened.
 */
function widen(ancestor: string, h: Hunk): { start: number; end: number } {
  const word = isInsert(h) ? wordAt(ancestor, h.start - 1) : null
  const start = (isInsert(h) ? word : wordCut(ancestor, h.start))?.start ?? h.start
  let end = (isInsert(h) ? word : wordCut(ancestor, h.end))?.end ?? h.end
  if (!isWordAt(ancestor, end)) while (space.test(ancestor[end] ?? '')) end++
  return { start, end }
}

/**
 * Widens the hunks `shouldWiden` picks to whole tokens and joins a side's hunks that then
 * overlap or touch, keeping the text they make.
 */
function widenWhere(
  ancestor: string,
  hunks: readonly Hunk[],
  shouldWiden: (h: Hunk) => boolean,
): Hunk[] {
  const spans: { start: number; end: number }[] = []
  for (const h of hunks) {
    let { start, end } = shouldWiden(h) ? widen(ancestor, h) : h
    for (let last = spans.at(-1); last && start <= last.end; last = spans.at(-1)) {
      ;[start, end] = [Math.min(start, last.start), Math.max(end, last.end)]
      spans.pop()
    }
    spans.push({ start, end })
  }
  let next = 0
  return spans.map((span) => {
    const inside: Hunk[] = []
    while (next < hunks.length && (hunks[next] as Hunk).end <= span.end)
      inside.push(hunks[next++] as Hunk)
    const text = applyHunks(ancestor.slice(span.start, span.end), shift(inside, -span.start))
    return { start: span.start, end: span.end, text }
  })
}

/**
 * Whether `h` inserts into a word token (after a word character: inside the word or at its end,
 * before its white space) within a range one of `other` replaces.
 */
function isInsertInReplaced(ancestor: string, h: Hunk, other: readonly Hunk[]): boolean {
  if (!isInsert(h) || !isWordAt(ancestor, h.start - 1)) return false
  return other.some((o) => isReplace(o) && o.start < h.start && h.start < o.end)
}

/**
 * One group's hunks at character level. A replacement is widened to whole tokens ("w1x " →
 * "w3z ", not "1x" → "3z" beside a kept "w"), and so is an insert typed inside a word the other
 * side replaced, so that both changed words are kept whole rather than a stray letter.
 */
function refineGroup(ancestor: string, g: Group, timeoutSec: number): HunkPair {
  const chars = (hunks: readonly Hunk[]): Hunk[] =>
    widenWhere(
      ancestor,
      hunks.flatMap((h) => (h.text ? refineHunk(ancestor, h, timeoutSec) : [h])),
      isReplace,
    )
  const first = chars(g.first)
  const second = chars(g.second)
  return {
    first: widenWhere(ancestor, first, (h) => isInsertInReplaced(ancestor, h, second)),
    second: widenWhere(ancestor, second, (h) => isInsertInReplaced(ancestor, h, first)),
  }
}

const hasText = (h: Hunk): boolean => h.text !== ''

/**
 * Rewrites the hunks of both sides so that, where both insert over the same ancestor text, they
 * are character edits (see the module comment); for {@link merge3}. Hunks that overlap nothing
 * of the other side, or only deletions, stay as they are.
 */
export function refineConflicts(ancestor: string, pair: HunkPair, timeoutSec: number): HunkPair {
  const first: Hunk[] = []
  const second: Hunk[] = []
  for (const g of groupHunks(pair)) {
    // Only where both sides insert can a word be kept twice; merge3 handles a deletion.
    const isBoth = g.first.some(hasText) && g.second.some(hasText)
    const out = isBoth ? refineGroup(ancestor, g, timeoutSec) : g
    first.push(...out.first)
    second.push(...out.second)
  }
  return { first, second }
}
