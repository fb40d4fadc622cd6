// Three-way merge of two edits of one common ancestor, character by character (DESIGN §6). Pure.
//
// The contract, per character, for any two edits of one ancestor:
// - an ancestor character appears at most once, and only where it was; one neither side deleted
//   survives;
// - every inserted character appears exactly once, in the gap of the ancestor it was typed in;
// - a character either side deleted stays deleted;
// - what one side inserted at one gap stays one run, in order; where both insert at one gap, one
//   run goes wholly before the other: text that carries on the word before the gap first ("two"
//   + "x" before " three"), a replacement of the text after the gap last (it stands where that
//   text was), and between equals the incoming side's run first.
//
// "Incoming first" is RGA's rule: the newest insertion goes right after the character it was
// typed after, before text others inserted there concurrently. The server merges a client's edit
// (incoming) into the master text (established); a client merges the server's edits
// (established) into its local text (incoming): both put the not-yet-shared edit first, so two
// people typing at one caret keep their runs whole however the syncs cut them ("o" + "al", then
// "ne" after "o": "al" "one", never "oalne").
//
// Each side is a list of character edits. Edits known exactly (the server's recorded changes,
// a client's merged local edit) are used as they are. A client's delta is refined inside its
// hunks ({@link refineEdit}): a replacement that kept most of what it replaces becomes character
// edits, one that kept less stays the replacement declared ("-5 +Goodbye" over "Hello"), so both
// replacements of one word stay whole, side by side, the separators once. Edits read off two
// texts ({@link editHunks}) keep every character the texts show as kept: a diff cannot tell a
// kept letter from one deleted and typed again, and keeping it never resurrects a deletion.

import DiffMatchPatch from 'diff-match-patch'
import type { Hunk } from '../mobwrite/delta.ts'
import { pushOp, type Op } from './changes.ts'
import { hunksFromDiffs, normalizeHunks } from './diff.ts'
import { wordDiffHunks } from './word-diff.ts'

const dmp = new DiffMatchPatch()

/** Most replacements one delta refines (each is one bounded diff); the rest stay as they are. */
const maxRefinements = 256

const wordChar = /[\p{L}\p{N}_]/u

const isWordChar = (s: string, i: number): boolean => wordChar.test(s[i] ?? '')

/** `hunks` moved by `offset` positions. */
function shift(hunks: readonly Hunk[], offset: number): Hunk[] {
  return hunks.map((h) => ({ start: h.start + offset, end: h.end + offset, text: h.text }))
}

/** A diff of `deleted` and `inserted` without cleanup. */
function charDiff(deleted: string, inserted: string, timeoutSec: number): DiffMatchPatch.Diff[] {
  dmp.Diff_Timeout = timeoutSec
  return dmp.diff_main(deleted, inserted, false)
}

const separatorRun = /[^\p{L}\p{N}_]+/gu

/**
 * A declared replacement of `deleted` by `inserted` as character edits where it kept most of
 * what it replaces. Kept separators (spaces, punctuation) are always kept and cut it into
 * stretches, each judged alone: one that only deletes or only inserts, or kept at least half of
 * its letters, becomes character edits; one that replaced more stays a replacement (its letters
 * shared by coincidence).
 */
function refineReplacement(deleted: string, inserted: string, timeoutSec: number): Hunk[] {
  const out: Hunk[] = []
  let at = 0 // position in `deleted`
  let stretch: DiffMatchPatch.Diff[] = []
  let start = 0
  const endStretch = (): void => {
    const del = stretch.filter(([op]) => op !== DiffMatchPatch.DIFF_INSERT).map(([, t]) => t)
    const ins = stretch.filter(([op]) => op !== DiffMatchPatch.DIFF_DELETE).map(([, t]) => t)
    const kept = stretch.filter(([op]) => op === DiffMatchPatch.DIFF_EQUAL)
    const keptChars = kept.reduce((n, [, t]) => n + t.length, 0)
    const oldText = del.join('')
    const isReplacement =
      stretch.some(([op]) => op === DiffMatchPatch.DIFF_INSERT) &&
      stretch.some(([op]) => op === DiffMatchPatch.DIFF_DELETE)
    if (!isReplacement || keptChars * 2 >= oldText.length) {
      out.push(...shift(hunksFromDiffs(stretch), start))
    } else out.push({ start, end: start + oldText.length, text: ins.join('') })
    stretch = []
  }
  for (const [op, text] of charDiff(deleted, inserted, timeoutSec)) {
    if (op !== DiffMatchPatch.DIFF_EQUAL) {
      stretch.push([op, text])
      if (op === DiffMatchPatch.DIFF_DELETE) at += text.length
      continue
    }
    let last = 0
    for (const m of text.matchAll(separatorRun)) {
      if (m.index > last) stretch.push([op, text.slice(last, m.index)])
      endStretch()
      start = at + m.index + m[0].length
      last = m.index + m[0].length
    }
    if (last < text.length) stretch.push([op, text.slice(last)])
    at += text.length
  }
  endStretch()
  return out
}

/**
 * Refines the hunks of a client's delta, which may be coarse (the original client runs semantic
 * cleanup, so one letter typed inside a word can arrive as "replace the word") by
 * {@link refineReplacement}: "-5 +Goodbye" over "Hello" stays one replacement and keeps no "o";
 * "-5 +Hellxo" is one letter typed. Refinement works inside each hunk only: what the delta says
 * it kept, it kept. All refinements of one edit share one time budget. The result is canonical
 * (diff.ts).
 */
export function refineEdit(base: string, hunks: readonly Hunk[], timeoutSec: number): Hunk[] {
  return refineEach(base, hunks, timeoutSec, maxRefinements, refineReplacement)
}

/**
 * The edits that turn `a` into `b`, read off the texts: aligned on whole words (word-diff.ts),
 * then each replaced stretch as its character edits. From texts alone nothing tells a kept
 * letter from one deleted and typed again, so a character the texts show as kept is kept: a
 * merge then never brings back a letter the other side deleted. All refinements share one time
 * budget.
 */
export function editHunks(a: string, b: string, timeoutSec: number): Hunk[] {
  if (a === b) return []
  return refineEach(a, wordDiffHunks(a, b, timeoutSec), timeoutSec, Infinity, (d, i, sec) =>
    hunksFromDiffs(charDiff(d, i, sec)),
  )
}

/**
 * Each replacement of `hunks` (over `base`) as `refine` makes it, at most `limit` of them, all
 * within one time budget of `timeoutSec`; the rest stay as they are. Canonical (diff.ts).
 */
function refineEach(
  base: string,
  hunks: readonly Hunk[],
  timeoutSec: number,
  limit: number,
  refine: (deleted: string, inserted: string, timeoutSec: number) => Hunk[],
): Hunk[] {
  const deadline = Date.now() + timeoutSec * 1000
  let left = limit
  const out: Hunk[] = []
  for (const h of hunks) {
    const leftSec = (deadline - Date.now()) / 1000
    if (h.end === h.start || !h.text || left-- <= 0 || leftSec <= 0) out.push(h)
    else out.push(...shift(refine(base.slice(h.start, h.end), h.text, leftSec), h.start))
  }
  return normalizeHunks(base, out)
}

/** The result of {@link merge3}. */
export interface Merged {
  readonly text: string
  /** The change from the established side's text to `text`: the incoming edit, placed. */
  readonly toEstablished: Op[]
  /** The change from the incoming side's text to `text`: the established edit, placed. */
  readonly toIncoming: Op[]
}

/** One side's edit as insertions at ancestor gaps and deleted ancestor ranges. */
interface SideEdit {
  readonly inserts: Map<number, string>
  /** Gaps where the insertion replaces the ancestor text after it. */
  readonly replaces: Set<number>
  /** Sorted, disjoint, non-touching deleted ranges. */
  readonly deleted: { start: number; end: number }[]
}

function sideEdit(hunks: readonly Hunk[]): SideEdit {
  const inserts = new Map<number, string>()
  const replaces = new Set<number>()
  const deleted: { start: number; end: number }[] = []
  for (const h of hunks) {
    if (h.text) inserts.set(h.start, (inserts.get(h.start) ?? '') + h.text)
    if (h.end <= h.start) continue
    if (h.text) replaces.add(h.start)
    const last = deleted[deleted.length - 1]
    if (last && h.start <= last.end) last.end = Math.max(last.end, h.end)
    else deleted.push({ start: h.start, end: h.end })
  }
  return { inserts, replaces, deleted }
}

/** Where a side's insertion at gap `p` goes among others there: lower first (module comment). */
function placeRank(ancestor: string, side: SideEdit, p: number, text: string): number {
  if (side.replaces.has(p)) return 2
  return isWordChar(ancestor, p - 1) && isWordChar(text, 0) ? 0 : 1
}

/** Whether `side` deletes ancestor position `p`; `at` is the side's cursor into its ranges. */
function isDeleted(side: SideEdit, p: number, at: { i: number }): boolean {
  while (at.i < side.deleted.length && (side.deleted[at.i] as { end: number }).end <= p) at.i++
  const range = side.deleted[at.i]
  return range !== undefined && range.start <= p
}

/**
 * Merges two edits (sorted hunk lists, touching allowed) of `ancestor` by the contract of the
 * module comment: `incoming` wins the order where both insert at one gap. Returns the text and
 * the change from each side's text to it, both exact (no diff).
 */
export function merge3(
  ancestor: string,
  established: readonly Hunk[],
  incoming: readonly Hunk[],
): Merged {
  const e = sideEdit(established)
  const i = sideEdit(incoming)
  const points = new Set<number>([0, ancestor.length])
  for (const side of [e, i]) {
    for (const p of side.inserts.keys()) points.add(p)
    for (const r of side.deleted) points.add(r.start).add(r.end)
  }
  const sorted = [...points].sort((a, b) => a - b)
  const toEstablished: Op[] = []
  const toIncoming: Op[] = []
  const eAt = { i: 0 }
  const iAt = { i: 0 }
  let text = ''
  sorted.forEach((p, k) => {
    const insI = i.inserts.get(p) ?? ''
    const insE = e.inserts.get(p) ?? ''
    const isEFirst =
      insI !== '' && placeRank(ancestor, e, p, insE) < placeRank(ancestor, i, p, insI)
    const putI = (): void => {
      text += insI
      pushOp(toEstablished, { kind: 'add', text: insI })
      pushOp(toIncoming, { kind: 'keep', n: insI.length })
    }
    const putE = (): void => {
      text += insE
      pushOp(toEstablished, { kind: 'keep', n: insE.length })
      pushOp(toIncoming, { kind: 'add', text: insE })
    }
    if (isEFirst) {
      putE()
      putI()
    } else {
      putI()
      putE()
    }
    const next = sorted[k + 1]
    if (next === undefined) return
    const n = next - p
    const byE = isDeleted(e, p, eAt)
    const byI = isDeleted(i, p, iAt)
    if (!byE && !byI) {
      text += ancestor.slice(p, next)
      pushOp(toEstablished, { kind: 'keep', n })
      pushOp(toIncoming, { kind: 'keep', n })
    } else if (!byE) pushOp(toEstablished, { kind: 'drop', n })
    else if (!byI) pushOp(toIncoming, { kind: 'drop', n })
  })
  return { text, toEstablished, toIncoming }
}

/**
 * Three-way merge of two texts derived from `ancestor` ({@link merge3}, `incoming` first at a
 * shared gap). Each side's edit is given exactly when the caller knows it, else read off the
 * texts by {@link editHunks} within `timeoutSec`.
 */
export function mergeTexts(
  ancestor: string,
  established: string,
  incoming: string,
  timeoutSec: number,
  known: { established?: readonly Hunk[]; incoming?: readonly Hunk[] } = {},
): Merged {
  const eHunks = known.established ?? editHunks(ancestor, established, timeoutSec)
  const iHunks = known.incoming ?? editHunks(ancestor, incoming, timeoutSec)
  return merge3(ancestor, eHunks, iHunks)
}

/** `mergeTexts(...).text` as a plain function of texts, for callers that need only the text. */
export function mergedText(
  ancestor: string,
  established: string,
  incoming: string,
  timeoutSec: number,
): string {
  if (established === ancestor) return incoming
  if (incoming === ancestor || incoming === established) return established
  return mergeTexts(ancestor, established, incoming, timeoutSec).text
}
