// Runs MobWrite requests against the store, one document at a time: parse → lock the touched
// documents → load their views and texts → pure engine step → ONE commit → answer. The answer
// is returned only once the commit is durable, so it never describes state a crash could lose
// (DESIGN §7). The commit is a group commit (store.commitGrouped): the step's state is in the
// store's memory at once, so the lock is released after the step and the next request on the
// same documents can run in the same tick and join the same transaction; every answer waits for
// that transaction, and if it fails they all fail. Owns no timers and no sockets.

import { parseRequest, type ParsedRequest } from '../../shared/mobwrite/codec.ts'
import type { DocumentState, ViewState } from '../../shared/sync/types.ts'
import type { Identity } from '../auth/identity.ts'
import type { RequestFacts } from '../auth/facts.ts'
import type { Store, StoreChange, ViewRef } from '../store/store.ts'
import { logException } from '../log.ts'
import { createKeyedLock } from './document-lock.ts'
import { isWellFormed } from '../store/validate.ts'
import { ErrorCode, SyncError } from '../../shared/errors.ts'
import { requestBudgetProblem, withinViewQuota } from './engine-budget.ts'
import type { ViewQuota } from './view-quota.ts'
import {
  syncStep,
  touchedViews,
  usersClosingAll,
  viewKey,
  type EngineOptions,
  type SentCollaborators,
  type SyncInput,
} from './engine.ts'

/** The trusted identity a request runs as: server/auth's Identity (handle `name:ip`, principal). */
export type SyncIdentity = Identity

/** What the engine learns about the requester for one request (server/auth/facts.ts). */
export type { RequestFacts }

/** What one request did, for events and push. */
export interface StepOutcome {
  /** The engine's answer text (see SyncService.handle for its framing). */
  readonly answer: string
  /** Documents whose text changed, as committed. */
  readonly changed: readonly DocumentState[]
  /** Documents whose row was deleted (`n:`/`N:`), with the revision they had. */
  readonly deleted: readonly { file: string; revision: number }[]
  /** Views that exist after the request, and views it closed. */
  readonly putViews: readonly ViewRef[]
  readonly removedViews: readonly ViewRef[]
  /** The MobWrite user ids the request spoke for. */
  readonly users: ReadonlySet<string>
}

/** Options of {@link createDocumentRunner}. */
export interface DocumentRunnerOptions {
  readonly store: Store
  readonly engineOptions: EngineOptions
  /** The clock (ms since epoch); injectable for tests. */
  readonly now: () => number
  /** Views held per identity (sync.maxViewsPerIdentity), kept current by every step. */
  readonly viewQuota?: ViewQuota
}

/** Serialized access to documents for requests and for admin operations. */
export interface DocumentRunner {
  /** Runs one request text with the requester's `facts`; resolves once its commit is durable. */
  run(text: string, facts: RequestFacts): Promise<StepOutcome>
  /** Runs `fn` while holding `files` (for admin changes outside a request). */
  withDocuments<T>(files: readonly string[], fn: () => T): Promise<T>
  /** Forgets what views that ended outside a request were sent (their `C:` lists). */
  forget(views: Iterable<ViewRef>): void
}

// Issue 14 finding 3: views its identity may not open any more are taken out of a request that
// is within its own budget (one over it is refused whole by the engine), each file with an E:.
function limitNewViews(input: SyncInput, quota?: ViewQuota): { input: SyncInput; lines: string } {
  if (!quota || quota.max <= 0 || requestBudgetProblem(input)) return { input, lines: '' }
  const left = Math.max(0, quota.max - quota.held(input.facts.owner ?? ''))
  const { request, errors } = withinViewQuota(input.request, input.views, left, quota.max)
  const lines = errors.map((e) => `E:${e.file}:${e.message}\n`).join('')
  return { input: { ...input, request }, lines }
}

// A failed group's views were read back from the file: count them again from there.
function reloadQuota(quota?: ViewQuota): void {
  try {
    quota?.reload()
  } catch (err) {
    logException('recounting views per identity failed', err)
  }
}

function unique(refs: readonly ViewRef[]): string[] {
  return [...new Set(refs.map((r) => r.file))]
}

/** Creates a runner over `store`; every call to the store happens under the document lock. */
export function createDocumentRunner(options: DocumentRunnerOptions): DocumentRunner {
  const { store } = options
  const lock = createKeyedLock()
  // The `C:` list each view was last sent (engine `sentCollaborators`). In memory only: after a
  // restart every known view is sent its list once more.
  const sentCollaborators = new Map<string, SentCollaborators>()

  // The views a request needs: those it names, plus every view of a user that says `x:all`.
  function refsOf(request: ParsedRequest): ViewRef[] {
    const refs = touchedViews(request)
    for (const user of usersClosingAll(request)) {
      for (const { file } of store.listViewsOfUser(user)) refs.push({ user, file })
    }
    return refs
  }

  // One engine step under the lock; `durable` settles when its commit's group is written. The
  // step reads and stages in one synchronous run, so what it read (perhaps another request's
  // staged state) is in the group it joins: nothing here may write the group early (store
  // methods that read SQL, such as listDocuments or stats, do).
  function step(
    request: ParsedRequest,
    refs: ViewRef[],
    facts: RequestFacts,
  ): { outcome: StepOutcome; durable: Promise<void> } {
    const files = unique(refs)
    const refByKey = new Map(refs.map((r) => [viewKey(r.user, r.file), r]))
    const views = new Map(store.getViews(refs).map((v) => [viewKey(v.user, v.file), v]))
    const documents = new Map<string, DocumentState>()
    for (const file of files) {
      const doc = store.getDocument(file)
      if (doc) documents.set(file, doc)
    }
    const limited = limitNewViews(
      {
        request,
        views,
        documents,
        facts,
        nowMs: options.now(),
        options: options.engineOptions,
        sentCollaborators,
      },
      options.viewQuota,
    )
    const result = syncStep(limited.input)
    const change = toStoreChange(result.views, result.documents, refByKey)
    const committed = store.commitGrouped(change)
    // Counted at once, in the same synchronous run as the step, so the next step sees it.
    options.viewQuota?.record(change.putViews ?? [], change.deleteViews ?? [])
    committed.catch(() => reloadQuota(options.viewQuota))
    // What was sent counts only once the answer can leave (a failed commit sends nothing).
    const durable = committed.then(() => {
      for (const [key, sent] of result.sentCollaborators) sentCollaborators.set(key, sent)
      for (const { user, file } of change.deleteViews ?? []) {
        sentCollaborators.delete(viewKey(user, file))
      }
    })
    const outcome: StepOutcome = {
      answer: limited.lines + result.answer,
      changed: (change.putDocuments ?? []).filter((d) => result.changedFiles.includes(d.file)),
      deleted: (change.deleteDocuments ?? []).map((file) => ({
        file,
        revision: documents.get(file)?.revision ?? 0,
      })),
      putViews: (change.putViews ?? []).map(({ user, file }) => ({ user, file })),
      removedViews: change.deleteViews ?? [],
      users: new Set(refs.map((r) => r.user)),
    }
    return { outcome, durable }
  }

  return {
    run(text, facts) {
      // Parsing is pure, so it happens before the lock; only state access is serialized.
      const request = parseRequest(text)
      const refs = refsOf(request)
      // Names are store keys (UTF-8 TEXT): a lone surrogate would not survive, so refuse it here.
      const bad = refs.find((r) => !isWellFormed(r.user) || !isWellFormed(r.file))
      if (bad) {
        const message = `Invalid user id or document name ${JSON.stringify(bad)}`
        return Promise.reject(new SyncError(ErrorCode.ERR_REQUEST_INVALID, message))
      }
      // The lock covers the step only; the answer waits for the step's commit to be durable.
      return lock
        .run(unique(refs), () => step(request, refs, facts))
        .then(({ outcome, durable }) => durable.then(() => outcome))
    },
    withDocuments: (files, fn) => lock.run(files, fn),
    forget(views) {
      for (const { user, file } of views) sentCollaborators.delete(viewKey(user, file))
    },
  }
}

/** Turns the engine's next-state maps into one StoreChange (null = delete). */
function toStoreChange(
  views: ReadonlyMap<string, ViewState | null>,
  documents: ReadonlyMap<string, DocumentState | null>,
  refByKey: ReadonlyMap<string, ViewRef>,
): StoreChange {
  const putViews: ViewState[] = []
  const deleteViews: ViewRef[] = []
  for (const [key, view] of views) {
    if (view) putViews.push(view)
    else {
      const ref = refByKey.get(key)
      if (!ref) throw new RangeError(`Engine closed view ${key} that the request did not touch`)
      deleteViews.push(ref)
    }
  }
  const putDocuments: DocumentState[] = []
  const deleteDocuments: string[] = []
  for (const [file, doc] of documents) {
    if (doc) putDocuments.push(doc)
    else deleteDocuments.push(file)
  }
  return { putDocuments, deleteDocuments, putViews, deleteViews }
}
