// The in-memory side of SqliteStore: per file, the document and every view of it, loaded once
// and then kept in step with each commit (a write-through cache: the SQLite file stays the
// truth, reads come from here). Also decides how a view's shadows are written: a shadow equal
// to the text of a document revision is stored as that revision's number, and a past revision
// still named by some view keeps its text in the `revisions` table. Pure planning, no SQL.

import type { DocumentState, ViewState } from '../../shared/sync/types.ts'
import type { StoreChange, ViewRef } from './store.ts'

/** A view as cached, with how its shadows are stored (a revision number, or null: inline). */
export interface CachedView {
  readonly view: ViewState
  readonly shadowRevision: number | null
  readonly backupRevision: number | null
}

/** Everything the store holds about one file, in memory. */
export interface FileEntry {
  readonly doc: DocumentState | undefined
  /** Every stored view of the file, by user id. */
  readonly views: ReadonlyMap<string, CachedView>
  /** Texts of past revisions kept in the `revisions` table (named by some view), by revision. */
  readonly stored: ReadonlyMap<number, string>
}

/** The rows one commit writes for one file. */
export interface FilePlan {
  readonly file: string
  readonly next: FileEntry
  readonly putDocument: DocumentState | null
  readonly deleteDocument: boolean
  /** Views without a row yet (inserted), and views whose row is rewritten (updated). */
  readonly putViews: readonly CachedView[]
  readonly updateViews: readonly CachedView[]
  readonly deleteViews: readonly string[]
  readonly putRevisions: readonly { revision: number; text: string }[]
  readonly deleteRevisions: readonly number[]
}

/** An empty entry (a file without a document row and without views). */
export const emptyEntry: FileEntry = { doc: undefined, views: new Map(), stored: new Map() }

function freezeView(view: ViewState): ViewState {
  const editStack = Object.freeze(view.editStack.map((e) => Object.freeze({ ...e })))
  return Object.freeze({ ...view, editStack })
}

function sameView(a: ViewState, b: ViewState): boolean {
  return (
    a.shadow === b.shadow &&
    a.backupShadow === b.backupShadow &&
    a.clientVersion === b.clientVersion &&
    a.serverVersion === b.serverVersion &&
    a.backupServerVersion === b.backupServerVersion &&
    a.handle === b.handle &&
    a.owner === b.owner &&
    a.meta === b.meta &&
    a.lastSeenMs === b.lastSeenMs &&
    a.editStack.length === b.editStack.length &&
    a.editStack.every(
      (e, i) => e.version === b.editStack[i]?.version && e.line === b.editStack[i]?.line,
    )
  )
}

function sameDocument(a: DocumentState | undefined, b: DocumentState | undefined): boolean {
  if (a === undefined || b === undefined) return a === b
  return a.text === b.text && a.revision === b.revision && a.updatedMs === b.updatedMs
}

/** The revision of `pool` whose text equals `text` (the current document's first), or null. */
function revisionOf(text: string, pool: ReadonlyMap<number, string>, first: number | null) {
  if (first !== null && pool.get(first) === text) return first
  for (const [revision, candidate] of pool) {
    if (candidate.length === text.length && candidate === text) return revision
  }
  return null
}

/** The changes of one commit, grouped by file. */
export function changesByFile(change: StoreChange): Map<string, FileChange> {
  const byFile = new Map<string, FileChange>()
  const of = (file: string): FileChange => {
    let entry = byFile.get(file)
    if (!entry)
      byFile.set(file, (entry = { deleteDocument: false, doc: undefined, put: [], del: [] }))
    return entry
  }
  for (const file of change.deleteDocuments ?? []) of(file).deleteDocument = true
  for (const ref of change.deleteViews ?? []) of(ref.file).del.push(ref)
  for (const doc of change.putDocuments ?? []) of(doc.file).doc = doc
  for (const view of change.putViews ?? []) of(view.file).put.push(view)
  return byFile
}

/** What one commit does to one file. */
export interface FileChange {
  deleteDocument: boolean
  /** The document to put (the last one named wins, as with INSERT OR REPLACE). */
  doc: DocumentState | undefined
  put: ViewState[]
  del: ViewRef[]
}

/**
 * Plans the rows one commit writes for `file` from its cached `entry`: deletions first, then
 * puts; unchanged records are not written; shadows become revision numbers where they can.
 */
export function planFile(file: string, entry: FileEntry, change: FileChange): FilePlan {
  const before = entry.doc
  let doc = change.deleteDocument ? undefined : before
  if (change.doc) doc = Object.freeze({ ...change.doc })
  const views = new Map(entry.views)
  const deleteViews: string[] = []
  for (const ref of change.del) if (views.delete(ref.user)) deleteViews.push(ref.user)
  // Texts a shadow can name: past revisions kept, the document as it was, and as it is now.
  const pool = new Map(entry.stored)
  if (before && before.text !== null) pool.set(before.revision, before.text)
  let conflicted: number | null = null
  if (doc && doc.text !== null) {
    const old = pool.get(doc.revision)
    if (old !== undefined && old !== doc.text) conflicted = doc.revision
    pool.set(doc.revision, doc.text)
  }
  const current = doc && doc.text !== null ? doc.revision : null
  const toCache = (view: ViewState): CachedView => ({
    view,
    shadowRevision: revisionOf(view.shadow, pool, current),
    backupRevision: revisionOf(view.backupShadow, pool, current),
  })
  const putViews: CachedView[] = []
  const updateViews: CachedView[] = []
  const putList = new Map(change.put.map((v) => [v.user, v]))
  for (const view of putList.values()) {
    const old = views.get(view.user) // deleted ones are gone already: their row is too
    if (old && sameView(old.view, view)) continue
    const cached = toCache(freezeView(view))
    views.set(view.user, cached)
    ;(old ? updateViews : putViews).push(cached)
  }
  // A revision number reused with another text (a document deleted and created again): views
  // that named the old text are rewritten with their shadows matched again (or inline).
  if (conflicted !== null) {
    for (const [user, cached] of views) {
      const names = cached.shadowRevision === conflicted || cached.backupRevision === conflicted
      if (!names || putList.has(user)) continue
      const again = toCache(cached.view)
      views.set(user, again)
      updateViews.push(again)
    }
  }
  const stored = new Map<number, string>()
  for (const { shadowRevision, backupRevision } of views.values()) {
    for (const revision of [shadowRevision, backupRevision]) {
      if (revision === null || revision === current) continue
      stored.set(revision, pool.get(revision) as string)
    }
  }
  const putRevisions = [...stored]
    .filter(([revision, text]) => entry.stored.get(revision) !== text)
    .map(([revision, text]) => ({ revision, text }))
  const deleteRevisions = [...entry.stored.keys()].filter((r) => !stored.has(r))
  const isDocChanged = !sameDocument(before, doc)
  return {
    file,
    next: { doc, views, stored },
    putDocument: isDocChanged && doc ? doc : null,
    deleteDocument: isDocChanged && !doc && before !== undefined,
    putViews,
    updateViews,
    deleteViews,
    putRevisions,
    deleteRevisions,
  }
}

/** Whether a plan writes nothing. */
export function isEmptyPlan(plan: FilePlan): boolean {
  return (
    plan.putDocument === null &&
    !plan.deleteDocument &&
    plan.putViews.length === 0 &&
    plan.updateViews.length === 0 &&
    plan.deleteViews.length === 0 &&
    plan.putRevisions.length === 0 &&
    plan.deleteRevisions.length === 0
  )
}
