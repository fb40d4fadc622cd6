// The server → client edit of a sync (§2.4 generateDiffs), and the master side of a merge,
// without diffing whole texts where it can. A view's shadow is almost always the master text of
// some earlier revision, and the engine records each change of a master text exactly (a merge
// knows where it put every character), so the edit from that shadow to today's text is those
// changes composed: exact, with no diff to guess how repeated text aligns. Otherwise the latest
// (shadow, text) pairs are remembered: views that sync right after the same change get the
// delta computed once. Both memories are keyed by the texts themselves, so the engine stays a
// pure function of its inputs.

import DiffMatchPatch from 'diff-match-patch'
import { toDelta, type Hunk } from '../../shared/mobwrite/delta.ts'
import { composeAll, hunksOf, opsOf, type Op } from '../../shared/sync/changes.ts'
import { diffHunks } from '../../shared/sync/diff.ts'
import { editHunks } from '../../shared/sync/merge.ts'

/** Texts longer than this (both together) are never remembered. */
const maxRememberedChars = 256 * 1024
/** How many (shadow, text) pairs are remembered. */
const maxPairs = 8
/** A change whose differing middle is longer than this is not diffed to be recorded. */
const maxChangeMiddle = 4096
/** The longest run of recorded changes composed into one edit. */
const maxChainSteps = 2048

interface Pair {
  readonly from: string
  readonly to: string
  readonly delta: string
}

const dmp = new DiffMatchPatch()
const pairs: Pair[] = []
// Each recorded master text → the next master text and the hunks between them (insertion order
// is age, so the oldest goes first).
const changes = new Map<string, Change>()

/** One recorded change of a master text. */
interface Change {
  readonly to: string
  readonly hunks: readonly Hunk[]
}
let changeChars = 0

/** Length of the part of `a` and `b` between their common prefix and suffix (the longer one). */
function middleLength(a: string, b: string): number {
  const prefix = dmp.diff_commonPrefix(a, b)
  const suffix = Math.min(dmp.diff_commonSuffix(a, b), Math.min(a.length, b.length) - prefix)
  return Math.max(a.length, b.length) - prefix - suffix
}

/**
 * Records that a master text changed from `from` to `to` by `hunks` (exact, when the caller
 * knows them; otherwise read off the texts by the merge's refined diff), so later edits can be
 * composed; keeps at most `memoryChars` characters of recorded changes (the oldest go first).
 */
export function recordChange(
  from: string,
  to: string,
  timeoutSec: number,
  memoryChars: number,
  hunks?: readonly Hunk[],
): void {
  if (from === to || from.length + to.length > Math.min(maxRememberedChars, memoryChars)) return
  if (!hunks && middleLength(from, to) > maxChangeMiddle) return
  if (changes.delete(from)) changeChars -= from.length
  changes.set(from, { to, hunks: hunks ?? editHunks(from, to, timeoutSec) })
  changeChars += from.length
  for (const oldest of changes.keys()) {
    if (changeChars <= memoryChars) break
    changes.delete(oldest)
    changeChars -= oldest.length
  }
}

/** Forgets every recorded change and remembered delta, as a restarted server has none. */
export function forgetChanges(): void {
  changes.clear()
  changeChars = 0
  pairs.length = 0
}

/**
 * The recorded changes from `from` to `to` composed (shared/sync/changes.ts), or null when the
 * recorded changes do not lead there.
 */
export function composedHunks(from: string, to: string): Hunk[] | null {
  const steps: Op[][] = []
  for (let text = from; text !== to;) {
    const change = changes.get(text)
    if (!change || steps.length >= maxChainSteps) return null
    steps.push(opsOf(text, change.hunks))
    text = change.to
  }
  const ops = composeAll(steps)
  return ops && hunksOf(from, ops)
}

/**
 * The delta (`=3\t+x…`) that turns `from` into `to`, computed within `timeoutSec`; `known`, when
 * given, are the exact hunks from `from` to `to` (a merge's placed edit).
 */
export function deltaBetween(
  from: string,
  to: string,
  timeoutSec: number,
  known?: readonly Hunk[],
): string {
  if (from === to) return toDelta(from, [])
  for (let i = 0; i < pairs.length; i++) {
    const p = pairs[i] as Pair
    if (p.from.length !== from.length || p.to.length !== to.length) continue
    if (p.from !== from || p.to !== to) continue
    if (i > 0) pairs.unshift(...pairs.splice(i, 1))
    return p.delta
  }
  const hunks = known ?? composedHunks(from, to) ?? diffHunks(from, to, { timeoutSec })
  const delta = toDelta(from, hunks)
  if (from.length + to.length <= maxRememberedChars) {
    pairs.unshift({ from, to, delta })
    if (pairs.length > maxPairs) pairs.pop()
  }
  return delta
}
