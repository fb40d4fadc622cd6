// Three-way merge of two edits of one common ancestor (DESIGN §6 "Merge, don't guess"): both
// sides' inserts are kept whole, text deleted by either side is deleted once. Pure.
//
// Model: each side is a set of deleted ancestor characters plus insertions at ancestor gaps (a
// hunk [start, end) → text deletes start..end-1 and inserts text at gap `start`). The merge keeps
// every ancestor character neither side deleted and every insertion; at one gap the first side's
// insertion comes before the second's, so two insertions are never nested in one another.

import { applyHunks, type Hunk } from '../mobwrite/delta.ts'
import { refineConflicts } from './conflict.ts'
import { wordDiffHunks } from './word-diff.ts'

interface Range {
  start: number
  end: number
}

/** The union of both sides' deleted ranges, sorted and disjoint. */
function deletedRanges(first: readonly Hunk[], second: readonly Hunk[]): Range[] {
  const all = [...first, ...second].filter((h) => h.end > h.start).sort((a, b) => a.start - b.start)
  const out: Range[] = []
  for (const h of all) {
    const last = out[out.length - 1]
    if (last && h.start <= last.end) last.end = Math.max(last.end, h.end)
    else out.push({ start: h.start, end: h.end })
  }
  return out
}

const wordChar = /[\p{L}\p{N}_]/u

/**
 * Where two insertions share a gap, which goes first: text that carries on the word before the
 * gap ("two" + "x"), then other pure insertions, then a replacement of the text after the gap,
 * so each lands next to what it was typed against; the first side breaks the remaining ties.
 */
function placeRank(ancestor: string, h: Hunk): number {
  if (h.end > h.start) return 2
  const carriesOn = wordChar.test(ancestor[h.start - 1] ?? '') && wordChar.test(h.text[0] ?? '')
  return carriesOn ? 0 : 1
}

/** Both sides' insertions in gap order, ties broken by {@link placeRank}, then side. */
function insertions(
  ancestor: string,
  first: readonly Hunk[],
  second: readonly Hunk[],
): { at: number; text: string }[] {
  const out: { at: number; text: string; rank: number }[] = []
  const add = (h: Hunk, side: number): void => {
    if (h.text) out.push({ at: h.start, text: h.text, rank: placeRank(ancestor, h) * 2 + side })
  }
  for (const h of first) add(h, 0)
  for (const h of second) add(h, 1)
  return out.sort((a, b) => a.at - b.at || a.rank - b.rank)
}

/**
 * Merges two hunk lists over the same `ancestor` into one text. Prefer {@link mergeTexts},
 * whose word diffs make hunks that merge well (whole words with their separators). `first` wins the order at a
 * shared gap (callers pass the side that is already established: the master text on the server,
 * the server's edits on the client).
 */
export function merge3(
  ancestor: string,
  firstHunks: readonly Hunk[],
  secondHunks: readonly Hunk[],
): string {
  if (secondHunks.length === 0) return applyHunks(ancestor, firstHunks)
  if (firstHunks.length === 0) return applyHunks(ancestor, secondHunks)
  const first = firstHunks
  const second = secondHunks
  const deleted = deletedRanges(first, second)
  let out = ''
  let d = 0
  // Copies ancestor[from, to) minus the deleted ranges.
  const keep = (from: number, to: number): void => {
    let pos = from
    while (pos < to) {
      while (d < deleted.length && (deleted[d] as Range).end <= pos) d++
      const range = deleted[d]
      if (range && range.start <= pos) {
        pos = Math.min(to, range.end)
        continue
      }
      const stop = range ? Math.min(to, range.start) : to
      out += ancestor.slice(pos, stop)
      pos = stop
    }
  }
  let pos = 0
  for (const ins of insertions(ancestor, first, second)) {
    keep(pos, ins.at)
    out += ins.text
    pos = Math.max(pos, ins.at)
  }
  keep(pos, ancestor.length)
  return out
}

/**
 * Three-way merge of two texts derived from `ancestor`: the edits of each are found by a word
 * diff (word-diff.ts) within `timeoutSec`, refined to characters where both sides edit the same
 * ancestor text (conflict.ts), then merged by {@link merge3}; `first` wins the order at a shared
 * spot. `firstWords`, when the caller knows them, are the word hunks from `ancestor` to `first`
 * (word-diff.ts hunks, or such hunks of successive changes composed).
 */
export function mergeTexts(
  ancestor: string,
  first: string,
  second: string,
  timeoutSec: number,
  firstWords?: readonly Hunk[],
): string {
  if (first === ancestor) return second
  if (second === ancestor || first === second) return first
  const words = {
    first: firstWords ?? wordDiffHunks(ancestor, first, timeoutSec),
    second: wordDiffHunks(ancestor, second, timeoutSec),
  }
  const refined = refineConflicts(ancestor, words, timeoutSec)
  return merge3(ancestor, refined.first, refined.second)
}
