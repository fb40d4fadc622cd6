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
// Each side is a list of character edits. Edits known exactly (the server's recorded changes, a
// delta's hunks) are used as they are; edits read off two texts by a diff are refined first
// ({@link refineEdit}): a replaced word whose author kept most of it becomes character edits, so
// no kept character is deleted and typed again; a word replaced by another stays one replacement
// rather than matching letters the two happen to share ("Hello" → "Goodbye" keeps no "o"). Both
// replacements of one word are then kept whole, side by side, the separators once. Refinement
// works inside a hunk only: what an edit says it kept, it kept.

import DiffMatchPatch from 'diff-match-patch'
import type { Hunk } from '../mobwrite/delta.ts'
import { pushOp, type Op } from './changes.ts'
import { hunksFromDiffs, normalizeHunks } from './diff.ts'
import { wordDiffHunks } from './word-diff.ts'

const dmp = new DiffMatchPatch()

/** Most replacements one edit refines (each is one bounded diff); the rest stay as they are. */
const maxRefinements = 256

const wordChar = /[\p{L}\p{N}_]/u

const isWordChar = (s: string, i: number): boolean => wordChar.test(s[i] ?? '')

const wordRun = /[\p{L}\p{N}_]+/gu

/** `hunks` moved by `offset` positions. */
function shift(hunks: readonly Hunk[], offset: number): Hunk[] {
  return hunks.map((h) => ({ start: h.start + offset, end: h.end + offset, text: h.text }))
}

/**
 * The edit from `deleted` to `inserted` (one replacement) as character edits, except for the
 * words of `deleted` its author replaced: there the letters a character diff keeps are a
 * coincidence, and keeping them would let a concurrent deletion cost the new word a letter. A
 * word counts as replaced when text was typed at or inside it and fewer than half its letters,
 * none two side by side, were kept ("Good" → "Bad" keeps no "d"), or when letters between two
 * of its kept ones were deleted and new words typed there ("w14y" read as "w" + "32z w3lx w2p"
 * + "y"). Typing inside a word ("abc" → "aXbYc", "alphone" → "alpha one"), deleting some of its
 * letters, or splitting it with a space stays character edits.
 */
function refinePair(deleted: string, inserted: string, timeoutSec: number): Hunk[] {
  dmp.Diff_Timeout = timeoutSec
  const diffs = dmp.diff_main(deleted, inserted, false)
  // Per position of `deleted`: kept or not; per gap: the text typed there.
  const kept: boolean[] = []
  const typedAt: string[] = ['']
  for (const [op, text] of diffs) {
    if (op === DiffMatchPatch.DIFF_INSERT) typedAt[kept.length] += text
    else {
      for (let k = 0; k < text.length; k++) {
        kept.push(op === DiffMatchPatch.DIFF_EQUAL)
        typedAt.push('')
      }
    }
  }
  const retyped = new Set<number>()
  for (const m of deleted.matchAll(wordRun)) {
    const start = m.index
    const end = start + m[0].length
    const keptAt: number[] = []
    for (let p = start; p < end; p++) if (kept[p]) keptAt.push(p)
    if (keptAt.length === 0) continue
    const typedNear = typedAt.slice(start, end + 1).some((t) => t !== '')
    // Two letters kept side by side are no coincidence ("一丁abc" → "一丁가" kept "一丁").
    const hasKeptPair = keptAt.some((p, k) => keptAt[k + 1] === p + 1 && typedAt[p + 1] === '')
    const isMostlyGone = typedNear && !hasKeptPair && keptAt.length * 2 < end - start
    const isOverwritten = keptAt.some((p, k) => {
      const next = keptAt[k + 1]
      if (next === undefined || next === p + 1) return false
      const between = typedAt.slice(p + 1, next + 1).join('')
      return wordChar.test(between) && /[^\p{L}\p{N}_]/u.test(between)
    })
    if (isMostlyGone || isOverwritten) for (const p of keptAt) retyped.add(p)
  }
  // Rebuild the diff with the retyped letters as deleted and typed again, then read its hunks.
  const out: DiffMatchPatch.Diff[] = []
  let p = 0
  for (const [op, text] of diffs) {
    if (op !== DiffMatchPatch.DIFF_EQUAL) {
      out.push([op, text])
      if (op === DiffMatchPatch.DIFF_DELETE) p += text.length
      continue
    }
    for (const ch of text) {
      if (retyped.has(p))
        out.push([DiffMatchPatch.DIFF_DELETE, ch], [DiffMatchPatch.DIFF_INSERT, ch])
      else out.push([DiffMatchPatch.DIFF_EQUAL, ch])
      p++
    }
  }
  return hunksFromDiffs(out)
}

/**
 * Refines an edit of `base` read off a diff or a client's delta (which may be coarse: the
 * original client runs semantic cleanup, so one letter typed inside a word can arrive as
 * "replace the word") into character edits, as the module comment says. The result is
 * canonical (diff.ts `normalizeHunks`).
 */
export function refineEdit(base: string, hunks: readonly Hunk[], timeoutSec: number): Hunk[] {
  // All refinements of one edit share one time budget, so a hostile edit of many hunks costs
  // no more than one diff.
  const deadline = Date.now() + timeoutSec * 1000
  let budget = maxRefinements
  const out: Hunk[] = []
  for (const h of hunks) {
    const leftSec = (deadline - Date.now()) / 1000
    // Only inside the hunk: what the edit says it kept, it kept (a merge made it, or the
    // person's own diff saw it so).
    if (h.end === h.start || !h.text || budget-- <= 0 || leftSec <= 0) out.push(h)
    else out.push(...shift(refinePair(base.slice(h.start, h.end), h.text, leftSec), h.start))
  }
  return normalizeHunks(base, out)
}

/**
 * The edits that turn `a` into `b`, read off the texts: aligned on whole words (word-diff.ts),
 * then refined to characters (see {@link refineEdit}).
 */
export function editHunks(a: string, b: string, timeoutSec: number): Hunk[] {
  if (a === b) return []
  return refineEdit(a, wordDiffHunks(a, b, timeoutSec), timeoutSec)
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
