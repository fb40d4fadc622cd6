// Applying a server answer to client views (core.js `syncRun2_`, mobwrite-notes §3.3, plus
// Mozilla's C:/E:/O: lines). Server edits are merged into the current local text; a raw `R:`
// (the server could not use our edits) keeps the local edits made since the request by fuzzy
// patching them onto the server's text, the only place without a common ancestor. Pure.

import DiffMatchPatch from 'diff-match-patch'
import { parseAnswer, type Line } from '../mobwrite/codec.ts'
import { fromDelta } from '../mobwrite/delta.ts'
import { decodeText } from '../mobwrite/escape.ts'
import { clientDiffTimeoutSec, normalizeLocalText, type ClientView } from './client-view.ts'
import { hunksOf } from './changes.ts'
import { mergeTexts } from './merge.ts'

/** Another view of the same document, from a `C:` line. */
export interface ClientCollaborator {
  /** Trusted handle (`name:ip`). */
  readonly handle: string
  /** The collaborator's `m:` metadata as JSON text (without `id`), or null. */
  readonly meta: string | null
  /** First 4 characters of the collaborator's user id. */
  readonly id: string
}

/** A problem to show for one file. */
export interface ClientError {
  readonly message: string
  /** Whether syncing carries on by itself (a resync); false for refusals (`E:` lines). */
  readonly isRecoverable: boolean
}

/** What an answer did to one file. */
export interface FileResult {
  /** The local text to show now. */
  text: string
  /** Whether `text` differs from the local text passed in. */
  textChanged: boolean
  /** Whether the server sent a change (a non-empty edit or a raw text). */
  serverChanged: boolean
  /** Whether the server marked the file read-only (`O:`) in this answer. */
  readOnly: boolean
  /**
   * The other views of the file, or null when the answer did not say: the server sends `C:`
   * lines only when the list changed (an empty list as a bare `C:`), so null means "as before".
   */
  collaborators: ClientCollaborator[] | null
  errors: ClientError[]
}

interface Work {
  view: ClientView
  result: FileResult
}

interface State {
  readonly work: Map<string, Work>
  readonly texts: ReadonlyMap<string, string>
  current: Work | null
  /** The `F:` version of the current file block. */
  fileVersion: number
}

const resyncError: ClientError = {
  message: 'ERR_DELTA_MISMATCH: Lost sync with the server; resynchronizing',
  isRecoverable: true,
}

function lose(w: Work): void {
  w.view = { ...w.view, deltaOk: false, localEdit: undefined }
  w.result.errors.push(resyncError)
}

const dmp = new DiffMatchPatch()

/** Fuzzy-applies the local edits made since `shadow` onto `serverText` (no common ancestor). */
function rebase(shadow: string, local: string, serverText: string): string {
  if (shadow === local) return serverText
  dmp.Diff_Timeout = clientDiffTimeoutSec
  const [text] = dmp.patch_apply(dmp.patch_make(shadow, local), serverText)
  return normalizeLocalText(text)
}

function onFile(s: State, line: Extract<Line, { type: 'file' }>): void {
  s.current = s.work.get(line.file) ?? null
  s.fileVersion = line.version
  const w = s.current
  if (!w) return
  // §3.3: F acknowledges every edit below the version the server expects next.
  const editStack = w.view.editStack.filter((e) => e.version >= line.version)
  w.view = { ...w.view, deltaOk: true, hasAnswer: true, editStack }
}

function onRaw(s: State, line: Extract<Line, { type: 'raw' }>): void {
  const w = s.current
  if (!w) return
  const text = decodeText(line.data)
  if (!text.ok) return lose(w)
  const shadow = line.force ? text.value : ''
  if (line.force) w.result.text = rebase(w.view.shadow, w.result.text, shadow)
  w.view = {
    ...w.view,
    shadow,
    clientVersion: s.fileVersion,
    serverVersion: line.version,
    editStack: [],
    localEdit: undefined,
  }
  w.result.serverChanged = true
  w.result.errors.push(resyncError)
}

function onDelta(s: State, line: Extract<Line, { type: 'delta' }>): void {
  const w = s.current
  if (!w) return
  const view = w.view
  if (s.fileVersion !== view.clientVersion || line.version > view.serverVersion) return lose(w)
  if (line.version < view.serverVersion) return // seen already (a resent stack entry)
  const applied = fromDelta(view.shadow, line.data)
  if (!applied.ok) return lose(w)
  const shadow = applied.value.text
  const next = { ...view, shadow, serverVersion: view.serverVersion + 1 }
  if (applied.value.hunks.length === 0) {
    w.view = next
    return
  }
  w.result.serverChanged = true
  const local = w.result.text
  if (line.force || local === view.shadow) {
    w.view = { ...next, localEdit: undefined }
    w.result.text = shadow
    return
  }
  // The local edit is the one not yet shared: it goes first where both insert (merge.ts). It is
  // known exactly when an earlier merge made the local text; the merge then says exactly what
  // the local edit is over the new shadow, so the next request need not diff it again.
  const known = view.localEdit?.text === local ? view.localEdit.hunks : undefined
  const merged = mergeTexts(view.shadow, shadow, local, clientDiffTimeoutSec, {
    established: applied.value.hunks,
    incoming: known,
  })
  w.result.text = merged.text
  w.view = {
    ...next,
    localEdit: { text: merged.text, hunks: hunksOf(shadow, merged.toEstablished) },
  }
}

function onNoCollaborators(s: State): void {
  if (s.current) s.current.result.collaborators ??= []
}

function onCollaborator(s: State, line: Extract<Line, { type: 'collaborator' }>): void {
  if (!s.current) return
  const list = (s.current.result.collaborators ??= [])
  try {
    const value: unknown = JSON.parse(line.json)
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return
    const { id, ...rest } = value as Record<string, unknown>
    const meta = Object.keys(rest).length ? JSON.stringify(rest) : null
    list.push({
      handle: line.handle,
      meta,
      id: typeof id === 'string' ? id : '',
    })
  } catch {
    // Not JSON: skip the line, as unparsable lines are skipped.
  }
}

/** `E:<file>:<message>`: file names may hold colons, so match the longest known file. */
function onError(s: State, line: Extract<Line, { type: 'error' }>): void {
  const value = `${line.file}:${line.message}`
  let best: string | null = null
  for (const file of s.work.keys()) {
    if (value.startsWith(file + ':') && (best === null || file.length > best.length)) best = file
  }
  const w = best === null ? null : s.work.get(best)
  if (!w || best === null) return
  w.result.errors.push({ message: value.slice(best.length + 1), isRecoverable: false })
}

function onReadOnly(s: State, line: Extract<Line, { type: 'readOnly' }>): void {
  const w = s.work.get(line.file)
  if (w) w.result.readOnly = true
}

type LineHandler = (s: State, line: Line) => void

const handlers: Partial<Record<Line['type'], LineHandler>> = {
  file: onFile as LineHandler,
  raw: onRaw as LineHandler,
  delta: onDelta as LineHandler,
  collaborator: onCollaborator as LineHandler,
  noCollaborators: onNoCollaborators as LineHandler,
  error: onError as LineHandler,
  readOnly: onReadOnly as LineHandler,
}

/**
 * Applies an answer to `views`, given the CURRENT local `texts` (which may have changed since
 * the request). Returns the next views and, for each file the answer mentions, the local text
 * to show and what happened. Files the answer does not mention are unchanged.
 */
export function applyAnswer(
  answer: string,
  views: readonly ClientView[],
  texts: ReadonlyMap<string, string>,
): { views: ClientView[]; results: Map<string, FileResult> } {
  const work = new Map<string, Work>()
  for (const view of views) {
    const local = texts.get(view.file)
    const text = local === undefined ? view.shadow : normalizeLocalText(local)
    const result: FileResult = {
      text,
      textChanged: false,
      serverChanged: false,
      readOnly: false,
      collaborators: null,
      errors: [],
    }
    work.set(view.file, { view, result })
  }
  const s: State = { work, texts, current: null, fileVersion: 0 }
  const mentioned = new Set<string>()
  for (const line of parseAnswer(answer).lines) {
    handlers[line.type]?.(s, line)
    if (line.type === 'file' || line.type === 'readOnly') mentioned.add(line.file)
    if (line.type === 'error')
      for (const f of work.keys())
        if (`${line.file}:${line.message}`.startsWith(f + ':')) mentioned.add(f)
  }
  const results = new Map<string, FileResult>()
  for (const [file, w] of work) {
    if (!mentioned.has(file)) continue
    w.result.textChanged = w.result.text !== (texts.get(file) ?? w.view.shadow)
    results.set(file, w.result)
  }
  return { views: views.map((v) => work.get(v.file)?.view ?? v), results }
}
