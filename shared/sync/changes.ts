// The change algebra under merges and deltas: a change is a list of operations over a base text
// (keep n characters, drop n characters, add a text), read from and written to hunks
// (shared/mobwrite/delta.ts). Composition is exact: composing the changes a text went through
// gives the change from the first text to the last, with every character where its edit put it,
// no diff and no guess. Pure.

import type { Hunk } from '../mobwrite/delta.ts'
import { normalizeHunks } from './diff.ts'

/** One operation of a change, in base order. */
export type Op =
  | { readonly kind: 'keep'; readonly n: number }
  | { readonly kind: 'drop'; readonly n: number }
  | { readonly kind: 'add'; readonly text: string }

/** Appends `op` to `ops`, joining it with a last operation of the same kind. */
export function pushOp(ops: Op[], op: Op): void {
  const size = op.kind === 'add' ? op.text.length : op.n
  if (size === 0) return
  const last = ops[ops.length - 1]
  if (last?.kind !== op.kind) ops.push(op)
  else if (op.kind === 'add')
    ops[ops.length - 1] = { kind: 'add', text: (last as typeof op).text + op.text }
  else ops[ops.length - 1] = { kind: op.kind, n: (last as { n: number }).n + op.n }
}

/** The operations of `hunks` (sorted, over `base`). */
export function opsOf(base: string, hunks: readonly Hunk[]): Op[] {
  const ops: Op[] = []
  let pos = 0
  for (const h of hunks) {
    pushOp(ops, { kind: 'keep', n: h.start - pos })
    pushOp(ops, { kind: 'drop', n: h.end - h.start })
    pushOp(ops, { kind: 'add', text: h.text })
    pos = h.end
  }
  pushOp(ops, { kind: 'keep', n: base.length - pos })
  return ops
}

const sizeOf = (op: Op): number => (op.kind === 'add' ? op.text.length : op.n)

/**
 * The change `a` then `b` (`b` applies to `a`'s result) as one change over `a`'s base.
 * @throws RangeError when `b` does not fit `a`'s result.
 */
export function compose(a: readonly Op[], b: readonly Op[]): Op[] {
  const out: Op[] = []
  let i = 0
  let j = 0
  let usedA = 0
  let usedB = 0
  while (i < a.length || j < b.length) {
    const x = a[i]
    const y = b[j]
    if (y?.kind === 'add') {
      pushOp(out, y)
      j++
    } else if (x?.kind === 'drop') {
      pushOp(out, x)
      i++
    } else if (!x || !y) {
      throw new RangeError('Composed edits do not fit their texts')
    } else {
      const n = Math.min(sizeOf(x) - usedA, y.n - usedB)
      if (x.kind === 'keep') pushOp(out, { kind: y.kind, n })
      else if (y.kind === 'keep') pushOp(out, { kind: 'add', text: x.text.slice(usedA, usedA + n) })
      usedA += n
      usedB += n
      if (usedA === sizeOf(x)) [i, usedA] = [i + 1, 0]
      if (usedB === y.n) [j, usedB] = [j + 1, 0]
    }
  }
  return out
}

/** Composes a chain of changes pairwise (O(k log k) for k changes), or null for none. */
export function composeAll(chain: readonly (readonly Op[])[]): Op[] | null {
  let level = chain
  while (level.length > 1) {
    const next: (readonly Op[])[] = []
    for (let i = 0; i < level.length; i += 2) {
      const [a, b] = [level[i] as Op[], level[i + 1]]
      next.push(b ? compose(a, b) : a)
    }
    level = next
  }
  return level[0] ? [...level[0]] : null
}

/** The hunks of a change over `base`, canonical (shared/sync/diff.ts `normalizeHunks`). */
export function hunksOf(base: string, ops: readonly Op[]): Hunk[] {
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
