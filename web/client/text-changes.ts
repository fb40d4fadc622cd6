// Minimal edits between two versions of a text, and position mapping through them.
// Pure; no DOM. Share handlers use it to patch widgets without moving the user's caret
// (mobwrite-notes §3.6: the original captured cursor context; mapping through a diff does the same).

import { applyHunks, type Hunk } from '../../shared/mobwrite/delta.ts'
import { diffHunks } from '../../shared/sync/diff.ts'

/** One replacement in the OLD text's coordinates: `[from, to)` becomes `insert`. */
export interface TextChange {
  readonly from: number
  readonly to: number
  readonly insert: string
}

// A remote patch must never stall typing: give up on an optimal diff after 50 ms.
const diffTimeoutSec = 0.05

/**
 * The changes that turn `oldText` into `newText`, in ascending order and not overlapping (the
 * engine's hunks, in CodeMirror's change shape). Returns `[]` when the texts are equal.
 */
export function computeChanges(oldText: string, newText: string): TextChange[] {
  return diffHunks(oldText, newText, { timeoutSec: diffTimeoutSec }).map((h) => ({
    from: h.start,
    to: h.end,
    insert: h.text,
  }))
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
  const hunks: Hunk[] = changes.map((c) => ({ start: c.from, end: c.to, text: c.insert }))
  return applyHunks(text, hunks)
}
