// The server's edit stack of one view (mobwrite-notes §2.2 steps 3–4): acknowledging entries and
// rebuilding the client's shadow at an earlier server version, which replaces MobWrite's single
// backup shadow so a late or duplicated request can never make the server forget a text it sent.
// Pure.
//
// Invariant: the delta entries on the stack form a chain. The first one (version
// `backupServerVersion`) applies to `backupShadow`, each next one to the previous one's result,
// the last one's result is `shadow` (at `serverVersion`). An `R:`/`r:` entry restarts the chain
// with its own text at its version.

import { decodeText } from '../../shared/mobwrite/escape.ts'
import { fromDelta } from '../../shared/mobwrite/delta.ts'
import { readLine } from '../../shared/mobwrite/lines.ts'
import type { StackedEdit } from '../../shared/sync/types.ts'

/** The stack-related part of a view. */
export interface StackState {
  shadow: string
  backupShadow: string
  serverVersion: number
  backupServerVersion: number
  editStack: StackedEdit[]
}

function isRawEntry(entry: StackedEdit): boolean {
  const c = entry.line[0]
  return c === 'R' || c === 'r'
}

/**
 * The text the client's shadow has at server version `version` (before applying that version's
 * edit), or null when the stack cannot tell (older than the backup, or a broken entry).
 */
export function shadowAt(s: StackState, version: number): string | null {
  if (version === s.serverVersion) return s.shadow
  if (version < s.backupServerVersion || version > s.serverVersion) return null
  let text = s.backupShadow
  let at = s.backupServerVersion
  for (const entry of s.editStack) {
    const line = readLine(entry.line)
    if (!line) return null
    if (line.type === 'raw' && line.version <= version) {
      const raw = line.force ? decodeText(line.data) : { ok: true as const, value: '' }
      if (!raw.ok) return null
      text = raw.value
      at = line.version
    } else if (line.type === 'delta' && line.version === at && at < version) {
      const next = fromDelta(text, line.data)
      if (!next.ok) return null
      text = next.value.text
      at++
    }
  }
  return at === version ? text : null
}

/**
 * Acknowledges everything before server version `version` (the client's `F:` value): delta
 * entries below it and raw entries at or below it go; the backup moves up to `version` so the
 * chain stays rebuildable. Does nothing for a version the server never sent.
 */
export function acknowledge(s: StackState, version: number): void {
  if (version > s.serverVersion) return
  if (version > s.backupServerVersion) {
    const text = shadowAt(s, version)
    if (text === null) return
    s.backupShadow = text
    s.backupServerVersion = version
  }
  s.editStack = s.editStack.filter((e) =>
    isRawEntry(e) ? e.version > version : e.version >= version,
  )
}

/**
 * Returns to the client's shadow at `version` after it missed the answers from `version` on
 * (the paper's lost-return-packet case): those answers are forgotten, as the client never saw
 * them. Returns false when that shadow cannot be rebuilt.
 */
export function rollBack(s: StackState, version: number): boolean {
  const text = shadowAt(s, version)
  if (text === null) return false
  s.shadow = text
  s.serverVersion = version
  s.backupShadow = text
  s.backupServerVersion = version
  s.editStack = []
  return true
}
