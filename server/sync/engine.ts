// The differential-synchronization engine: one pure step from (views, documents, parsed request,
// facts) to (next views and documents, answer). Guaranteed delivery per mobwrite-notes §2 with a
// three-way merge (DESIGN §6); no I/O, no timers, no locks — the sync service owns those.

import type { Action, ParsedRequest } from '../../shared/mobwrite/codec.ts'
import { ErrorCode } from '../../shared/errors.ts'
import type { DocumentState, ViewState } from '../../shared/sync/types.ts'
import { requestBudgetProblem } from './engine-budget.ts'
import { runGroup, type EditAction } from './engine-group.ts'
import {
  changedCollaboratorLines,
  collaboratorLines,
  type Collaborator,
  type SentCollaborators,
} from './engine-collaborators.ts'
import { defaultConfig, type SyncServiceConfig } from '../config.ts'

export type { Collaborator, SentCollaborators } from './engine-collaborators.ts'

/** Facts about the requester that the caller establishes (identity, access, presence). */
export interface SyncFacts {
  /** Trusted `h:` handle (`name:ip`) of the requester; any `h:` line in the request is ignored. */
  readonly handle: string
  /** What the requester may do with `file`: `none` gets `E:` and no text, `read` gets `O:`. */
  access(file: string): 'write' | 'read' | 'none'
  /** Views attached to `file` (the requester's own user id is left out of `C:` lines). */
  collaborators(file: string): readonly Collaborator[]
  /** Why `file` is not an acceptable document name (answered with `E:` only), or undefined. */
  checkName?(file: string): { readonly code: ErrorCode; readonly message: string } | undefined
  /** The owner key a view this requester opens or uses gets (server/auth/owner.ts); default ''. */
  readonly owner?: string
  /** Whether the requester may use a view bound to `owner`; default: every view (unbound). */
  mayUse?(owner: string): boolean
}

/** Limits and budgets of the engine. */
export interface EngineOptions {
  /** Largest master text, raw dump or client shadow, in UTF-16 code units; more gets `E:`. */
  readonly maxDocChars: number
  /** diff-match-patch `Diff_Timeout` for the server's diffs, in seconds (MobWrite used 0.1). */
  readonly diffTimeoutSec: number
  /** Largest `m:` metadata kept on a view, in characters; longer metadata is ignored. */
  readonly maxMetaChars: number
  /** Characters of recorded text changes kept for composing edits (engine-diffs.ts); 0: off. */
  readonly changeMemoryChars: number
  /** Most views one request may name (engine-budget.ts). */
  readonly maxViewsPerRequest: number
  /** Most characters of whole texts one request may make the server send (engine-budget.ts). */
  readonly maxTextCharsPerRequest: number
  /** Most `C:` lines one answer lists per file. */
  readonly maxCollaboratorLines: number
}

/** The engine's defaults: the `sync` section of server/config.ts. */
export const defaultEngineOptions: EngineOptions = engineOptionsOf(defaultConfig.sync)

/** The engine's limits out of the `sync` config section. */
export function engineOptionsOf(config: SyncServiceConfig): EngineOptions {
  const { maxDocChars, diffTimeoutSec, maxMetaChars, changeMemoryChars } = config
  const { maxViewsPerRequest, maxTextCharsPerRequest, maxCollaboratorLines } = config
  return {
    maxDocChars,
    diffTimeoutSec,
    maxMetaChars,
    changeMemoryChars,
    maxViewsPerRequest,
    maxTextCharsPerRequest,
    maxCollaboratorLines,
  }
}

/** The input of {@link syncStep}. */
export interface SyncInput {
  readonly request: ParsedRequest
  /** Views the request touches, keyed by {@link viewKey}; missing = none yet. */
  readonly views: ReadonlyMap<string, ViewState>
  /** Documents keyed by name; missing = never existed, `text: null` = nullified. */
  readonly documents: ReadonlyMap<string, DocumentState>
  readonly facts: SyncFacts
  readonly nowMs: number
  readonly options: EngineOptions
  /**
   * The `C:` lists each view was sent, keyed by {@link viewKey}: answers
   * then carry `C:` lines only when the list changed or the client may have missed it. Without
   * it every answer lists every collaborator, as the Mozilla daemon did.
   */
  readonly sentCollaborators?: ReadonlyMap<string, SentCollaborators>
}

/** A problem reported for one file. */
export interface FileError {
  readonly file: string
  readonly code: ErrorCode
  readonly message: string
}

/** What one step produced. Maps hold only what changed. */
export interface SyncResult {
  /** Daemon-style answer: each line ends in `\n`, no final blank line; `''` when empty. */
  readonly answer: string
  /** Changed views; null = deleted (closed by `x:` or `n:`). */
  readonly views: Map<string, ViewState | null>
  /** Changed documents; null = deleted by `n:`/`N:`. */
  readonly documents: Map<string, DocumentState | null>
  /** Files whose master text changed (for push). */
  readonly changedFiles: string[]
  /** Views the request closed (`x:`, `n:`). */
  readonly closedViews: { user: string; file: string }[]
  /** Refusals, each also an `E:` line: access denied, read-only, too large. */
  readonly errors: FileError[]
  /** Client edits that could not be used and were answered with a raw resync (`R:`/`r:`). */
  readonly resyncs: FileError[]
  /** The `C:` lines each answered view has now been sent (see `SyncInput.sentCollaborators`). */
  readonly sentCollaborators: Map<string, SentCollaborators>
}

/** The map key of the (user, file) view. */
export function viewKey(user: string, file: string): string {
  return `${user.length}:${user}\n${file}`
}

/**
 * Which (user, file) views a request touches, so the caller can load them and their documents
 * first. `x:all` is not listed: see {@link usersClosingAll}.
 */
export function touchedViews(req: ParsedRequest): { user: string; file: string }[] {
  const seen = new Map<string, { user: string; file: string }>()
  for (const a of req.actions) {
    if (a.kind === 'close' && a.isAll) continue
    seen.set(viewKey(a.user, a.file), { user: a.user, file: a.file })
  }
  return [...seen.values()]
}

/** Users whose request says `x:all`: the caller must put ALL their views in `views`. */
export function usersClosingAll(req: ParsedRequest): string[] {
  const users = req.actions.filter((a) => a.kind === 'close' && a.isAll).map((a) => a.user)
  return [...new Set(users)]
}

interface Step {
  readonly input: SyncInput
  readonly views: Map<string, ViewState | null>
  readonly docs: Map<string, DocumentState | null>
  readonly result: SyncResult
  readonly lines: string[]
  readonly meta: Map<string, string>
  lastUser: string | null
  lastFile: string | null
}

function setView(s: Step, key: string, view: ViewState | null): void {
  s.views.set(key, view)
  s.result.views.set(key, view)
}

function refuse(s: Step, file: string, code: ErrorCode, message: string): void {
  s.lines.push(`E:${file}:${message}`)
  s.result.errors.push({ file, code, message })
  s.lastFile = null
}

// An unacceptable name (auth's rules: characters, length, no path tricks) is refused before
// access is even asked, with its own code.
function refuseName(s: Step, file: string): boolean {
  const problem = s.input.facts.checkName?.(file)
  if (problem) refuse(s, file, problem.code, `${problem.code}: ${problem.message}`)
  return problem !== undefined
}

const accessDenied = 'ERR_ACCESS_DENIED: You may not open this document'
const notOwned = 'ERR_VIEW_NOT_OWNED: This view id belongs to another client; use your own'

// Issue 14 finding 6: a view is used, reset or closed only by the requester it is bound to. A
// view of another owner is refused with E: and left as it is (nothing of it is answered).
function refuseForeign(s: Step, user: string, file: string): boolean {
  const view = s.views.get(viewKey(user, file))
  const isForeign = view != null && !(s.input.facts.mayUse?.(view.owner) ?? true)
  if (isForeign) refuse(s, file, ErrorCode.ERR_VIEW_NOT_OWNED, notOwned)
  return isForeign
}
const readOnlyNull = 'ERR_READ_ONLY: This document is read-only'

function closeView(s: Step, user: string, file: string): void {
  const key = viewKey(user, file)
  if (!s.views.get(key)) return
  setView(s, key, null)
  s.result.closedViews.push({ user, file })
}

type Handler<K extends Action['kind']> = (s: Step, a: Extract<Action, { kind: K }>) => void

// `n:`: forget the text and this view; no output (§2.2 step 2).
const nullify: Handler<'nullify'> = (s, a) => {
  if (refuseName(s, a.file) || refuseForeign(s, a.user, a.file)) return
  const access = s.input.facts.access(a.file)
  if (access !== 'write') {
    return refuse(
      s,
      a.file,
      access === 'read' ? ErrorCode.ERR_READ_ONLY : ErrorCode.ERR_ACCESS_DENIED,
      access === 'read' ? readOnlyNull : accessDenied,
    )
  }
  if (s.docs.get(a.file)) {
    s.docs.set(a.file, null)
    s.result.documents.set(a.file, null)
  }
  closeView(s, a.user, a.file)
}

// Mozilla `x:<file>` / `x:all`: close views; no output.
// `x:all` closes the requester's own views of that id and names none of the others: their
// file names are not the requester's to learn; one `E:all:` says some were left.
const close: Handler<'close'> = (s, a) => {
  if (!a.isAll) return void (refuseForeign(s, a.user, a.file) || closeView(s, a.user, a.file))
  const mayUse = s.input.facts.mayUse ?? (() => true)
  let isAnyForeign = false
  for (const [, view] of s.views) {
    if (!view || view.user !== a.user) continue
    if (mayUse(view.owner)) closeView(s, a.user, view.file)
    else isAnyForeign = true
  }
  if (isAnyForeign) refuse(s, 'all', ErrorCode.ERR_VIEW_NOT_OWNED, notOwned)
}

// Mozilla `m:`: metadata of the view named by the following file line.
const meta: Handler<'meta'> = (s, a) => {
  if (a.json.length > s.input.options.maxMetaChars || refuseForeign(s, a.user, a.file)) return
  const key = viewKey(a.user, a.file)
  const view = s.views.get(key)
  if (view) setView(s, key, { ...view, meta: a.json })
  else s.meta.set(key, a.json)
}

type OtherAction = Extract<Action, { kind: 'nullify' | 'close' | 'meta' }>

function runOther(s: Step, a: OtherAction): void {
  switch (a.kind) {
    case 'nullify':
      return nullify(s, a)
    case 'close':
      return close(s, a)
    case 'meta':
      return meta(s, a)
  }
}

function newView(user: string, file: string): ViewState {
  return {
    user,
    file,
    owner: '',
    shadow: '',
    backupShadow: '',
    clientVersion: 0,
    serverVersion: 0,
    backupServerVersion: 0,
    editStack: [],
    handle: '',
    meta: null,
    lastSeenMs: 0,
  }
}

// core.py applyPatches: a forced delta onto a text that does not exist (never set, or nullified)
// has nothing to overwrite, so it loses its force and is answered with a merge delta `d:`
// (server.xml "Force Delta nullified file"). The text exists again once the first delta that
// is not a repeat (or a raw dump) ran, so the flag is cleared up to that action only.
function unforceOntoNullText(actions: readonly EditAction[], clientVersion: number) {
  const out = [...actions]
  for (const [i, a] of out.entries()) {
    if (a.kind === 'raw') break
    out[i] = { ...a, force: false }
    if (a.clientVersion >= clientVersion) break
  }
  return out
}

// A raw dump numbered below the version the view expects next is an old copy (held back or
// duplicated on the way): a client numbers each new dump above every edit it has sent, and the
// original client keeps its dump on the stack, resending it until acknowledged. Resetting the
// view to it would answer the edits taken since as "future" (R:, typing lost) or apply them a
// second time (text written twice). It is answered as the repeated edit it is.
function withoutStaleRaws(group: readonly EditAction[], view: ViewState | undefined) {
  if (!view) return group
  let expected = view.clientVersion
  return group.map((a) => {
    const isStale = a.kind === 'raw' && a.clientVersion < expected
    if (a.kind === 'raw' && !isStale) expected = a.clientVersion
    else if (a.kind === 'delta' && a.clientVersion === expected) expected++
    return isStale ? { ...a, kind: 'delta' as const, data: '' } : a
  })
}

function runEdits(s: Step, group: readonly EditAction[]): void {
  const { user, file, echoUser } = group[0] as EditAction
  const { facts, options, nowMs } = s.input
  if (refuseName(s, file)) return
  const access = facts.access(file)
  if (access === 'none') return refuse(s, file, ErrorCode.ERR_ACCESS_DENIED, accessDenied)
  if (refuseForeign(s, user, file)) return
  const key = viewKey(user, file)
  const old = s.views.get(key) ?? newView(user, file)
  const metaText = s.meta.get(key)
  // A view the requester may use becomes its own (a reconnected session takes it over).
  const owner = facts.owner ?? old.owner
  const view = {
    ...old,
    owner,
    handle: facts.handle,
    lastSeenMs: nowMs,
    meta: metaText ?? old.meta,
  }
  const doc = s.docs.get(file) ?? null
  const fresh = withoutStaleRaws(group, s.views.get(key) ?? undefined)
  const actions = doc?.text == null ? unforceOntoNullText(fresh, old.clientVersion) : fresh
  const out = runGroup(actions, {
    view,
    master: doc?.text ?? null,
    isReadOnly: access === 'read',
    maxDocChars: options.maxDocChars,
    diffTimeoutSec: options.diffTimeoutSec,
    changeMemoryChars: options.changeMemoryChars,
  })
  if (out.refusal) return refuse(s, file, out.refusal.code, out.refusal.message)
  setView(s, key, out.view)
  s.meta.delete(key)
  if (out.master !== (doc?.text ?? null)) {
    const next = { file, text: out.master, revision: (doc?.revision ?? 0) + 1, updatedMs: nowMs }
    s.docs.set(file, next)
    s.result.documents.set(file, next)
    if (!s.result.changedFiles.includes(file)) s.result.changedFiles.push(file)
  }
  for (const r of out.resyncs) s.result.resyncs.push({ file, ...r })
  // §1.7: `u:` only when echo was asked and the user changed; `F:` when user or file changed.
  if (echoUser && user !== s.lastUser) s.lines.push(`u:${user}`)
  if (user !== s.lastUser || file !== s.lastFile)
    s.lines.push(`F:${out.view.clientVersion}:${file}`)
  s.lastUser = user
  s.lastFile = file
  if (access === 'read') s.lines.push(`O:${file}`)
  if (out.readOnlyRefusal) {
    s.lines.push(`E:${file}:${out.readOnlyRefusal.message}`)
    s.result.errors.push({ file, ...out.readOnlyRefusal })
  }
  s.lines.push(...out.stackLines)
  const lines = collaboratorLines(facts.collaborators(file), user, file).slice(
    0,
    options.maxCollaboratorLines,
  )
  const sentBefore = s.input.sentCollaborators
  if (!sentBefore) return void s.lines.push(...lines)
  const last = actions[actions.length - 1] as EditAction
  const known = s.input.views.get(key)
  const changed = changedCollaboratorLines(lines, {
    was: s.result.sentCollaborators.get(key) ?? sentBefore.get(key),
    isKnownView: known !== undefined,
    // Every answer moves the server version on, so a client that got the last answer sends
    // deltas from the version it left the view at.
    isAcked:
      known !== undefined &&
      last.kind === 'delta' &&
      last.serverVersion === known.serverVersion &&
      out.resyncs.length === 0,
  })
  s.lines.push(...changed.lines)
  s.result.sentCollaborators.set(key, changed.next)
}

/**
 * Runs one parsed request. Actions run in order; consecutive `d:`/`r:` actions of one view form
 * a group that gets one answer block (`u:`, `F:`, `O:`, `E:`, the edit stack, `C:` lines).
 * An unterminated request changes nothing and gets an empty answer, as in MobWrite.
 */
export function syncStep(input: SyncInput): SyncResult {
  const s: Step = {
    input,
    views: new Map(input.views),
    docs: new Map(input.documents),
    result: {
      answer: '',
      views: new Map(),
      documents: new Map(),
      changedFiles: [],
      closedViews: [],
      errors: [],
      resyncs: [],
      sentCollaborators: new Map(),
    },
    lines: [],
    meta: new Map(),
    lastUser: null,
    lastFile: null,
  }
  const actions = input.request.terminated ? input.request.actions : []
  const overBudget = requestBudgetProblem(input)
  if (overBudget) {
    s.result.errors.push({ file: 'all', ...overBudget })
    return { ...s.result, answer: `E:all:${overBudget.message}\n` }
  }
  for (let i = 0; i < actions.length;) {
    const a = actions[i] as Action
    if (a.kind === 'nullify' || a.kind === 'close' || a.kind === 'meta') {
      runOther(s, a)
      i++
      continue
    }
    const group: EditAction[] = []
    for (; i < actions.length; i++) {
      const b = actions[i] as Action
      if ((b.kind !== 'delta' && b.kind !== 'raw') || b.user !== a.user || b.file !== a.file) break
      group.push(b)
    }
    runEdits(s, group)
  }
  return { ...s.result, answer: s.lines.map((l) => l + '\n').join('') }
}
