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
// ({@link refineEdit}): a replaced stretch whose author kept most of it becomes character edits,
// so no kept character is deleted and typed again; a stretch replaced by other text stays one
// replacement rather than matching letters it happens to share ("Hello" → "Goodbye" keeps no
// "o"). Both replacements of one word are then kept whole, side by side, the separators once.

import DiffMatchPatch from 'diff-match-patch'
import type { Hunk } from '../mobwrite/delta.ts'
import { pushOp, type Op } from './changes.ts'
import { hunksFromDiffs, normalizeHunks } from './diff.ts'
import { splitTokens, wordDiffHunks } from './word-diff.ts'

const dmp = new DiffMatchPatch()

/** Most replacements one edit refines (each is one bounded diff); the rest stay as they are. */
const maxRefinements = 256

/** How far a replacement is widened each way to the edges of the words it touches. */
const maxWidening = 32

const wordChar = /[\p{L}\p{N}_]/u

const isWordChar = (s: string, i: number): boolean => wordChar.test(s[i] ?? '')

const wordOrNot = /[\p{L}\p{N}_]+|[^\p{L}\p{N}_]+/gu

/** `hunks` moved by `offset` positions. */
function shift(hunks: readonly Hunk[], offset: number): Hunk[] {
  return hunks.map((h) => ({ start: h.start + offset, end: h.end + offset, text: h.text }))
}

/** A stretch of a character diff: kept text, or an edit that may hold kept characters. */
interface Stretch {
  deleted: string
  inserted: string
  /** Kept characters inside (an edit that swallowed short equal runs); a kept stretch: all. */
  kept: number
  isEqual: boolean
}

const editLength = (s: Stretch): number => Math.max(s.deleted.length, s.inserted.length)

/**
 * Whether kept stretch `k` of `list` is a coincidence inside a replacement: no longer than the
 * edits beside it (semantic cleanup's test) and, joined with them, less than half of what they
 * cover was kept. Then the author replaced that text; else they edited inside it.
 */
function isCoincidence(list: readonly Stretch[], k: number): boolean {
  const eq = list[k] as Stretch
  const left = list[k - 1]?.isEqual ? undefined : list[k - 1]
  const right = list[k + 1]?.isEqual ? undefined : list[k + 1]
  if ((!left && !right) || !isWordChar(eq.deleted, 0)) return false
  const n = eq.deleted.length
  if ((left && n > editLength(left)) || (right && n > editLength(right))) return false
  const sides = [left, right].filter((s): s is Stretch => s !== undefined)
  // Letters kept between pure deletions or pure insertions were edited around, not replaced.
  if (!sides.some((s) => s.inserted) || !sides.some((s) => s.deleted)) return false
  const kept = n + sides.reduce((sum, s) => sum + s.kept, 0)
  const covered = n + sides.reduce((sum, s) => sum + s.deleted.length, 0)
  return kept * 2 < covered
}

/**
 * The edit from `deleted` to `inserted` (one replacement) as character edits, except where
 * kept characters are a coincidence ({@link isCoincidence}): those are folded into the
 * replacement around them ("Hello" → "Goodbye" keeps no "o"; "abc" → "aXbYc" keeps "b").
 */
function refinePair(deleted: string, inserted: string, timeoutSec: number): Hunk[] {
  dmp.Diff_Timeout = timeoutSec
  const list: Stretch[] = []
  for (const [op, text] of dmp.diff_main(deleted, inserted, false)) {
    if (op === DiffMatchPatch.DIFF_EQUAL) {
      // Only letters can be a coincidence: kept spaces and punctuation are stretches of their own.
      for (const part of text.match(wordOrNot) ?? [])
        list.push({ deleted: part, inserted: part, kept: part.length, isEqual: true })
      continue
    }
    const last = list[list.length - 1]
    const edit =
      last && !last.isEqual ? last : { deleted: '', inserted: '', kept: 0, isEqual: false }
    if (edit !== last) list.push(edit)
    if (op === DiffMatchPatch.DIFF_DELETE) edit.deleted += text
    else edit.inserted += text
  }
  for (let k = 0; k < list.length;) {
    if (!(list[k] as Stretch).isEqual || !isCoincidence(list, k)) {
      k++
      continue
    }
    const from = list[k - 1] && !(list[k - 1] as Stretch).isEqual ? k - 1 : k
    const to = list[k + 1] && !(list[k + 1] as Stretch).isEqual ? k + 1 : k
    const joined = list.slice(from, to + 1)
    list.splice(from, joined.length, {
      deleted: joined.map((s) => s.deleted).join(''),
      inserted: joined.map((s) => s.inserted).join(''),
      kept: joined.reduce((sum, s) => sum + s.kept, 0),
      isEqual: false,
    })
    k = Math.max(0, from - 1)
  }
  const hunks: Hunk[] = []
  let at = 0
  for (const s of list) {
    if (!s.isEqual) hunks.push({ start: at, end: at + s.deleted.length, text: s.inserted })
    at += s.deleted.length
  }
  return hunks
}

/**
 * Refines an edit of `base` read off a diff or a client's delta (which may be coarse: the
 * original client runs semantic cleanup, so one letter typed inside a word can arrive as
 * "replace the word") into character edits, as the module comment says. The result is
 * canonical (diff.ts `normalizeHunks`).
 */
export function refineEdit(base: string, hunks: readonly Hunk[], timeoutSec: number): Hunk[] {
  let budget = maxRefinements
  const out: Hunk[] = []
  hunks.forEach((h, k) => {
    if (h.end === h.start || !h.text || budget-- <= 0) return void out.push(h)
    // A replacement is judged over the whole words it touches: "Good" → "Bad" keeps no "d".
    let start = h.start
    let end = h.end
    const floor = Math.max(hunks[k - 1]?.end ?? 0, h.start - maxWidening)
    const ceiling = Math.min(hunks[k + 1]?.start ?? base.length, h.end + maxWidening)
    while (start > floor && isWordChar(base, start - 1)) start--
    while (end < ceiling && isWordChar(base, end)) end++
    const deleted = base.slice(start, end)
    const text = base.slice(start, h.start) + h.text + base.slice(h.end, end)
    out.push(...shift(refineWords(deleted, text, timeoutSec), start))
  })
  return normalizeHunks(base, out)
}

/**
 * A replacement of some words by a different number of words: character edits when they only
 * delete or only insert (a separator deleted or typed, letters typed into words), else the
 * replacement as it is (other words typed over these).
 */
function refineRun(deleted: string, inserted: string, timeoutSec: number): Hunk[] {
  const whole: Hunk[] = [{ start: 0, end: deleted.length, text: inserted }]
  if (!deleted || !inserted) return whole
  dmp.Diff_Timeout = timeoutSec
  const diffs = dmp.diff_main(deleted, inserted, false)
  const ops = new Set(diffs.map(([op]) => op).filter((op) => op !== DiffMatchPatch.DIFF_EQUAL))
  return ops.size === 1 ? hunksFromDiffs(diffs) : whole
}

/**
 * One replacement aligned on words first (word-diff.ts), then each replaced word refined by
 * character against the word it replaced ({@link refinePair}), where as many words replace as
 * many: a character diff across words only finds letters that different words share. Where
 * the counts differ, see {@link refineRun}.
 */
function refineWords(deleted: string, inserted: string, timeoutSec: number): Hunk[] {
  return wordDiffHunks(deleted, inserted, timeoutSec).flatMap((h) => {
    const oldWords = splitTokens(deleted.slice(h.start, h.end))
    const newWords = splitTokens(h.text)
    if (oldWords.length !== newWords.length)
      return shift(refineRun(deleted.slice(h.start, h.end), h.text, timeoutSec), h.start)
    let at = h.start
    return oldWords.flatMap((old, i) => {
      const word = newWords[i] as string
      const hunks = old === word ? [] : shift(refinePair(old, word, timeoutSec), at)
      at += old.length
      return hunks
    })
  })
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
