// One group of a request: the consecutive `d:`/`r:` actions of one (user, file) view, run as
// mobwrite-notes §2.2–§2.4 describe, except that a client's edits reach the master text by a
// three-way merge with the shadow as the common ancestor, and `F:` reports the client version
// the server really expects next. Pure.

import type { Action } from '../../shared/mobwrite/codec.ts'
import { fromDelta, type Hunk } from '../../shared/mobwrite/delta.ts'
import { decodeText, encodeText, normalizeLineBreaks } from '../../shared/mobwrite/escape.ts'
import { compose, hunksOf, opsOf, type Op } from '../../shared/sync/changes.ts'
import { mergeTexts, refineEdit } from '../../shared/sync/merge.ts'
import type { ViewState } from '../../shared/sync/types.ts'
import { ErrorCode } from '../../shared/errors.ts'
import { composedHunks, deltaBetween, recordChange } from './engine-diffs.ts'
import { acknowledge, rollBack, type StackState } from './engine-stack.ts'

/** An edit action (`d:`/`r:` and their uppercase forms). */
export type EditAction = Extract<Action, { kind: 'delta' | 'raw' }>

/** What a group needs besides its actions. */
export interface GroupInput {
  readonly view: ViewState
  /** The master text (null: nullified or never set). */
  readonly master: string | null
  readonly isReadOnly: boolean
  readonly maxDocChars: number
  readonly diffTimeoutSec: number
  /** Characters of recorded changes kept (engine-diffs.ts `recordChange`); 0: none. */
  readonly changeMemoryChars: number
}

/** A problem found while running a group. */
export interface GroupProblem {
  readonly code: ErrorCode
  readonly message: string
}

/** The outcome of a group; `refusal` set means nothing may change (too large). */
export interface GroupOutput {
  readonly view: ViewState
  readonly master: string | null
  /** The answer's edit lines (the whole unacknowledged stack). */
  readonly stackLines: readonly string[]
  /** Edits refused for a read-only view (one `E:` line). */
  readonly readOnlyRefusal: GroupProblem | null
  /** A refusal that cancels the whole group: answer only `E:`. */
  readonly refusal: GroupProblem | null
  /** Client deltas that could not be used (answered with a raw resync). */
  readonly resyncs: readonly GroupProblem[]
}

interface Work extends StackState {
  clientVersion: number
  master: string | null
  isDeltaOk: boolean
  /**
   * The client deltas not yet merged into the master text: the shadow before the first one and
   * their edits composed (refined, shared/sync/merge.ts `refineEdit`).
   */
  edit: { ancestor: string; ops: Op[]; force: boolean } | null
  /** The last merge's placed edit from the client's text to the master text, exactly. */
  merged: { from: string; to: string; hunks: Hunk[] } | null
  readOnlyRefusal: GroupProblem | null
  refusal: GroupProblem | null
  resyncs: GroupProblem[]
}

const tooLarge = (max: number): GroupProblem => ({
  code: ErrorCode.ERR_DOC_TOO_LARGE,
  message: `ERR_DOC_TOO_LARGE: The text would exceed ${max} characters; nothing was changed`,
})

const readOnly: GroupProblem = {
  code: ErrorCode.ERR_READ_ONLY,
  message: 'ERR_READ_ONLY: This document is read-only; your edits were not saved',
}

function resync(w: Work, code: ErrorCode, message: string): void {
  w.isDeltaOk = false
  w.resyncs.push({ code, message })
}

/** Puts the pending client edit into the master text (§2.3, merged instead of fuzzy-patched). */
function flushEdit(w: Work, input: GroupInput): void {
  const edit = w.edit
  w.edit = null
  if (!edit) return
  const isChanged = w.shadow !== edit.ancestor
  // Read-only: the edits are refused and the master text is never touched (DESIGN §8).
  if (input.isReadOnly) {
    if (isChanged) w.readOnlyRefusal = readOnly
    return
  }
  if (w.master === null || (edit.force && isChanged)) {
    return setMaster(w, normalizeLineBreaks(w.shadow), input)
  }
  if (!isChanged || edit.force) return
  // The master side follows exactly from the changes recorded since the client's shadow, when
  // they are still remembered; otherwise it is read off the two texts.
  const merged = mergeTexts(edit.ancestor, w.master, w.shadow, input.diffTimeoutSec, {
    established: composedHunks(edit.ancestor, w.master) ?? undefined,
    incoming: hunksOf(edit.ancestor, edit.ops),
  })
  const next = normalizeLineBreaks(merged.text)
  if (next !== merged.text) return setMaster(w, next, input)
  w.merged = { from: w.shadow, to: next, hunks: hunksOf(w.shadow, merged.toIncoming) }
  setMaster(w, next, input, hunksOf(w.master, merged.toEstablished))
}

/**
 * Changes the master text and records the change (engine-diffs.ts) for later edits: `hunks`
 * when the caller knows them exactly, else a diff.
 */
function setMaster(w: Work, next: string, input: GroupInput, hunks?: readonly Hunk[]): void {
  if (next.length > input.maxDocChars) {
    w.refusal = tooLarge(input.maxDocChars)
    return
  }
  if (w.master !== null) {
    recordChange(w.master, next, input.diffTimeoutSec, input.changeMemoryChars, hunks)
  }
  w.master = next
}

function runRaw(w: Work, a: EditAction, input: GroupInput): void {
  flushEdit(w, input)
  const text = decodeText(a.data)
  if (!text.ok) return resync(w, ErrorCode.ERR_DELTA_INVALID, text.message)
  if (text.value.length > input.maxDocChars) {
    w.refusal = tooLarge(input.maxDocChars)
    return
  }
  // §2.2 step 5: a raw dump resets the view to the client's text and versions.
  Object.assign(w, {
    shadow: text.value,
    backupShadow: text.value,
    clientVersion: a.clientVersion,
    serverVersion: a.serverVersion,
    backupServerVersion: a.serverVersion,
    editStack: [],
    isDeltaOk: true,
  })
  if (!a.force && w.master !== null) return
  if (input.isReadOnly) w.readOnlyRefusal = readOnly
  else setMaster(w, normalizeLineBreaks(text.value), input)
}

function runDelta(w: Work, a: EditAction, input: GroupInput): void {
  const m = a.serverVersion
  const n = a.clientVersion
  if (m > w.serverVersion) {
    return resync(
      w,
      ErrorCode.ERR_DELTA_MISMATCH,
      `Server version in future: ${m} > ${w.serverVersion}`,
    )
  }
  if (n < w.clientVersion) return acknowledge(w, m) // a repeated delta: already applied
  if (n > w.clientVersion) {
    return resync(w, ErrorCode.ERR_DELTA_MISMATCH, `Future delta: ${n} > ${w.clientVersion}`)
  }
  if (m !== w.serverVersion) {
    // The client missed our answers from version m on: continue from its shadow at m.
    flushEdit(w, input)
    if (!rollBack(w, m)) {
      w.clientVersion = n + 1
      return resync(w, ErrorCode.ERR_DELTA_MISMATCH, `Shadow version mismatch: ${m}`)
    }
  }
  acknowledge(w, m)
  const applied = fromDelta(w.shadow, a.data)
  w.clientVersion = n + 1
  if (!applied.ok) return resync(w, ErrorCode.ERR_DELTA_MISMATCH, applied.message)
  if (w.edit && w.edit.force !== a.force) flushEdit(w, input)
  const ops = opsOf(w.shadow, refineEdit(w.shadow, applied.value.hunks, input.diffTimeoutSec))
  if (w.edit) w.edit.ops = compose(w.edit.ops, ops)
  else w.edit = { ancestor: w.shadow, ops, force: a.force }
  w.shadow = applied.value.text
  w.backupShadow = w.shadow
  w.backupServerVersion = w.serverVersion
}

/** §2.4 generateDiffs: the fresh edit (or raw resync) for the client, onto the stack. */
function generate(w: Work, force: boolean, input: GroupInput, ackedFrom: number): void {
  const target = w.master ?? ''
  if (!w.isDeltaOk) {
    const v = w.serverVersion
    const line = w.master === null ? `r:${v}:` : `R:${v}:${encodeText(w.master)}`
    Object.assign(w, { shadow: target, backupShadow: target, backupServerVersion: v })
    w.editStack = [{ version: v, line }]
    return
  }
  // Nothing new since the answer the client is still missing: resend the stack as it is, so a
  // duplicated request is answered exactly like the first copy.
  if (target === w.shadow && w.editStack.some((e) => e.version >= ackedFrom)) return
  const known = w.merged?.from === w.shadow && w.merged.to === target ? w.merged.hunks : undefined
  const delta = deltaBetween(w.shadow, target, input.diffTimeoutSec, known)
  const line = `${force ? 'D' : 'd'}:${w.serverVersion}:${delta}`
  w.editStack = [...w.editStack, { version: w.serverVersion, line }]
  w.serverVersion++
  w.shadow = target
}

/** Runs one group's actions against its view and the master text. */
export function runGroup(actions: readonly EditAction[], input: GroupInput): GroupOutput {
  const v = input.view
  const w: Work = {
    ...v,
    editStack: [...v.editStack],
    master: input.master,
    isDeltaOk: true,
    edit: null,
    merged: null,
    readOnlyRefusal: null,
    refusal: null,
    resyncs: [],
  }
  for (const a of actions) {
    if (a.kind === 'raw') runRaw(w, a, input)
    else runDelta(w, a, input)
    if (w.refusal) break
  }
  if (!w.refusal) flushEdit(w, input)
  const last = actions[actions.length - 1]
  if (!w.refusal) generate(w, last?.force ?? false, input, last?.serverVersion ?? 0)
  const view: ViewState = {
    ...v,
    shadow: w.shadow,
    backupShadow: w.backupShadow,
    clientVersion: w.clientVersion,
    serverVersion: w.serverVersion,
    backupServerVersion: w.backupServerVersion,
    editStack: w.editStack,
  }
  return {
    view,
    master: w.master,
    stackLines: w.editStack.map((e) => e.line),
    readOnlyRefusal: w.readOnlyRefusal,
    refusal: w.refusal,
    resyncs: w.resyncs,
  }
}
