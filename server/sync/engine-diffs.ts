// The server → client edit of a sync (§2.4 generateDiffs), and the master side of a merge,
// without diffing whole texts where it can. A view's shadow is almost always the master text of
// some earlier revision, and the engine records each change of a master text as hunks (one local
// edit: cheap to diff), so the edit from that shadow to today's text is those hunks composed. Otherwise the latest (shadow, text) pairs
// are remembered: views that sync right after the same change get the delta computed once.
// Both memories are keyed by the texts themselves, so the engine stays a pure function of its
// inputs (any correct delta is as good as another; these are exact).

import DiffMatchPatch from 'diff-match-patch'
import { toDelta, type Hunk } from '../../shared/mobwrite/delta.ts'
import { diffHunks, normalizeHunks, refineHunks } from '../../shared/sync/diff.ts'
import { wordDiffHunks } from '../../shared/sync/word-diff.ts'

/** Texts longer than this (both together) are never remembered. */
const maxRememberedChars = 256 * 1024
/** How many (shadow, text) pairs are remembered. */
const maxPairs = 8
/** A change whose differing middle is longer than this is not recorded (its diff is not cheap). */
const maxChangeMiddle = 4096
/** Hunks of a composed edit closer than this are re-diffed together. */
const nearChars = 32
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

/** One recorded change: its hunks by character (for deltas) and by word (for merges). */
interface Change {
  readonly to: string
  readonly chars: readonly Hunk[]
  readonly words: readonly Hunk[]
}
let changeChars = 0

/** Length of the part of `a` and `b` between their common prefix and suffix (the longer one). */
function middleLength(a: string, b: string): number {
  const prefix = dmp.diff_commonPrefix(a, b)
  const suffix = Math.min(dmp.diff_commonSuffix(a, b), Math.min(a.length, b.length) - prefix)
  return Math.max(a.length, b.length) - prefix - suffix
}

/**
 * Records that a master text changed from `from` to `to` (so later edits can be composed),
 * keeping at most `memoryChars` characters of recorded changes (the oldest go first).
 */
export function recordChange(
  from: string,
  to: string,
  timeoutSec: number,
  memoryChars: number,
): void {
  if (from === to || from.length + to.length > Math.min(maxRememberedChars, memoryChars)) return
  if (middleLength(from, to) > maxChangeMiddle) return
  if (changes.delete(from)) changeChars -= from.length
  changes.set(from, {
    to,
    chars: diffHunks(from, to, { timeoutSec }),
    words: wordDiffHunks(from, to, timeoutSec),
  })
  changeChars += from.length
  for (const oldest of changes.keys()) {
    if (changeChars <= memoryChars) break
    changes.delete(oldest)
    changeChars -= oldest.length
  }
}

type Op = { kind: 'keep'; n: number } | { kind: 'drop'; n: number } | { kind: 'add'; text: string }

function opsOf(base: string, hunks: readonly Hunk[]): Op[] {
  const ops: Op[] = []
  let pos = 0
  for (const h of hunks) {
    if (h.start > pos) ops.push({ kind: 'keep', n: h.start - pos })
    if (h.end > h.start) ops.push({ kind: 'drop', n: h.end - h.start })
    if (h.text) ops.push({ kind: 'add', text: h.text })
    pos = h.end
  }
  if (base.length > pos) ops.push({ kind: 'keep', n: base.length - pos })
  return ops
}

const sizeOf = (op: Op): number => (op.kind === 'add' ? op.text.length : op.n)

/** The ops of `a` then `b` (b applies to a's result) as ops over a's base. */
function compose(a: readonly Op[], b: readonly Op[]): Op[] {
  const out: Op[] = []
  let i = 0
  let j = 0
  let usedA = 0
  let usedB = 0
  while (i < a.length || j < b.length) {
    const x = a[i]
    const y = b[j]
    if (y?.kind === 'add') {
      out.push(y)
      j++
    } else if (x?.kind === 'drop') {
      out.push(x)
      i++
    } else if (!x || !y) {
      throw new RangeError('Composed edits do not fit their texts')
    } else {
      const n = Math.min(sizeOf(x) - usedA, y.n - usedB)
      if (x.kind === 'keep') out.push(y.kind === 'keep' ? { kind: 'keep', n } : { kind: 'drop', n })
      else if (y.kind === 'keep') out.push({ kind: 'add', text: x.text.slice(usedA, usedA + n) })
      usedA += n
      usedB += n
      if (usedA === sizeOf(x)) [i, usedA] = [i + 1, 0]
      if (usedB === y.n) [j, usedB] = [j + 1, 0]
    }
  }
  return out
}

function hunksOf(base: string, ops: readonly Op[]): Hunk[] {
  const hunks: { start: number; end: number; text: string }[] = []
  let pos = 0
  for (const op of ops) {
    if (op.kind === 'keep') pos += op.n
    else {
      const last = hunks[hunks.length - 1]
      const h = last && last.end === pos ? last : { start: pos, end: pos, text: '' }
      if (h !== last) hunks.push(h)
      if (op.kind === 'drop') pos = h.end += op.n
      else h.text += op.text
    }
  }
  return normalizeHunks(base, hunks)
}

/**
 * The recorded changes from `from` to `to` composed, by character or by word (the merge's
 * word diff, wordDiffHunks), or null when the recorded changes do not lead there.
 */
export function composedHunks(from: string, to: string, unit: 'chars' | 'words'): Hunk[] | null {
  const steps: Op[][] = []
  for (let text = from; text !== to;) {
    const change = changes.get(text)
    if (!change || steps.length >= maxChainSteps) return null
    steps.push(opsOf(text, change[unit]))
    text = change.to
  }
  if (steps.length === 0) return null
  // Pairwise, so a long chain costs O(k log k) and not O(k²) as one running composition would.
  let level = steps
  while (level.length > 1) {
    const next: Op[][] = []
    for (let i = 0; i < level.length; i += 2) {
      const [a, b] = [level[i] as Op[], level[i + 1]]
      next.push(b ? compose(a, b) : a)
    }
    level = next
  }
  return hunksOf(from, level[0] as Op[])
}

/** The ops over `to` that undo `hunks` (which turn `base` into `to`). */
function inverseOps(base: string, hunks: readonly Hunk[]): Op[] {
  const ops: Op[] = []
  let pos = 0
  for (const h of hunks) {
    if (h.start > pos) ops.push({ kind: 'keep', n: h.start - pos })
    if (h.text) ops.push({ kind: 'drop', n: h.text.length })
    if (h.end > h.start) ops.push({ kind: 'add', text: base.slice(h.start, h.end) })
    pos = h.end
  }
  if (base.length > pos) ops.push({ kind: 'keep', n: base.length - pos })
  return ops
}

/**
 * `from` → `to` through a recorded `ancestor` both descend from: the client's text and the
 * master text a merge made of it. The ancestor → `from` side is one local edit (cheap to diff),
 * the ancestor → `to` side is composed from the recorded changes.
 */
function hunksViaAncestor(ancestor: string, from: string, to: string, timeoutSec: number) {
  const toTarget = composedHunks(ancestor, to, 'chars')
  if (!toTarget || middleLength(ancestor, from) > maxChangeMiddle) return null
  const toFrom = diffHunks(ancestor, from, { timeoutSec })
  const hunks = hunksOf(from, compose(inverseOps(ancestor, toFrom), opsOf(ancestor, toTarget)))
  // Undoing the client's edit and redoing it as merged leaves near hunks that one small diff
  // says better ("Fine" → "Bad Fine" is "+Bad ", not "-4 +Bad =1 +Fine "): join and re-diff them.
  return refineHunks(from, joinNear(from, hunks), timeoutSec)
}

/** Joins hunks less than {@link nearChars} apart into one. */
function joinNear(base: string, hunks: readonly Hunk[]): Hunk[] {
  const out: Hunk[] = []
  for (const h of hunks) {
    const last = out[out.length - 1]
    if (last && h.start - last.end < nearChars) {
      const text = last.text + base.slice(last.end, h.start) + h.text
      out[out.length - 1] = { start: last.start, end: h.end, text }
    } else out.push(h)
  }
  return out
}

/**
 * The delta (`=3\t+x…`) that turns `from` into `to`, computed within `timeoutSec`; `ancestor`,
 * when given, is a text both descend from (the shadow a merged client edit started from).
 */
export function deltaBetween(
  from: string,
  to: string,
  timeoutSec: number,
  ancestor?: string,
): string {
  if (from === to) return toDelta(from, [])
  for (let i = 0; i < pairs.length; i++) {
    const p = pairs[i] as Pair
    if (p.from.length !== from.length || p.to.length !== to.length) continue
    if (p.from !== from || p.to !== to) continue
    if (i > 0) pairs.unshift(...pairs.splice(i, 1))
    return p.delta
  }
  const hunks =
    composedHunks(from, to, 'chars') ??
    (ancestor === undefined ? null : hunksViaAncestor(ancestor, from, to, timeoutSec)) ??
    diffHunks(from, to, { timeoutSec })
  const delta = toDelta(from, hunks)
  if (from.length + to.length <= maxRememberedChars) {
    pairs.unshift({ from, to, delta })
    if (pairs.length > maxPairs) pairs.pop()
  }
  return delta
}
