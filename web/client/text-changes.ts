// Minimal edits between two versions of a text, and position mapping through them.
// Pure; no DOM. Share handlers use it to patch widgets without moving the user's caret
// (mobwrite-notes §3.6: the original captured cursor context; mapping through a diff does the same).

import DiffMatchPatch from 'diff-match-patch'

/** One replacement in the OLD text's coordinates: `[from, to)` becomes `insert`. */
export interface TextChange {
  readonly from: number
  readonly to: number
  readonly insert: string
}

const dmp = new DiffMatchPatch()
// A remote patch must never stall typing: give up on an optimal diff after 50 ms.
dmp.Diff_Timeout = 0.05

/**
 * The changes that turn `oldText` into `newText`, in ascending order and not overlapping.
 * Returns `[]` when the texts are equal.
 */
export function computeChanges(oldText: string, newText: string): TextChange[] {
  if (oldText === newText) return []
  const diffs = dmp.diff_main(oldText, newText)
  dmp.diff_cleanupEfficiency(diffs)
  const changes: TextChange[] = []
  let pos = 0
  let pending: { from: number; to: number; insert: string } | null = null
  for (const [op, text] of diffs) {
    if (op === 0) {
      if (pending) changes.push(pending)
      pending = null
      pos += text.length
      continue
    }
    pending ??= { from: pos, to: pos, insert: '' }
    if (op === -1) {
      pos += text.length
      pending.to = pos
    } else {
      pending.insert += text
    }
  }
  if (pending) changes.push(pending)
  return changes
}

/**
 * Where old-text position `pos` lands in the new text. At an insertion point the position
 * stays before the inserted text when `assoc` is -1 and moves after it when 1. A position
 * inside a deleted range collapses to the start of its replacement.
 */
export function mapPosition(
  changes: readonly TextChange[],
  pos: number,
  assoc: -1 | 1 = -1,
): number {
  let shift = 0
  for (const change of changes) {
    if (change.from > pos || (change.from === pos && change.to === pos && assoc < 0)) break
    if (change.to <= pos) {
      shift += change.insert.length - (change.to - change.from)
      continue
    }
    // pos is inside [from, to): collapse onto the replacement's start.
    return change.from + shift
  }
  return pos + shift
}

/** `text` with `changes` (old-text coordinates, ascending) applied. */
export function applyChanges(text: string, changes: readonly TextChange[]): string {
  let out = ''
  let pos = 0
  for (const change of changes) {
    out += text.slice(pos, change.from) + change.insert
    pos = change.to
  }
  return out + text.slice(pos)
}
