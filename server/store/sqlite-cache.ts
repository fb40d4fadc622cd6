// SqliteStore's documents and views in memory (sqlite-files.ts): a file's document, views and
// kept revision texts are read from the database once, on first use, and every commit writes
// its rows in one transaction and only then updates memory, so a failed commit changes neither.
// A staged commit (group commit, commit-group.ts) updates memory at once and writes its rows
// with the rest of its group; if that transaction fails, the group's files are dropped from
// memory and read from the file again, as after a failed commit. A file is dropped from memory
// when its last view goes (once that is written), so memory follows the live files.

import type Database from 'better-sqlite3'
import type { DocumentState, ViewState } from '../../shared/sync/types.ts'
import * as rows from './sqlite-rows.ts'
import {
  changesByFile,
  isEmptyPlan,
  planFile,
  type FileEntry,
  type FilePlan,
} from './sqlite-files.ts'
import type { StoreChange, ViewRef } from './store.ts'
import { createCommitGroup } from './commit-group.ts'

/** The SQL the cache runs. */
export const cacheSql = {
  getDocument: 'SELECT file, text, revision, updated_ms, length FROM documents WHERE file = ?',
  putDocument: `INSERT OR REPLACE INTO documents (file, text, revision, updated_ms, length)
    VALUES (@file, @text, @revision, @updated_ms, @length)`,
  deleteDocument: 'DELETE FROM documents WHERE file = ?',
  viewsOfFile: 'SELECT * FROM views WHERE file = ?',
  filesOfUser: 'SELECT file FROM views WHERE user = ? ORDER BY file',
  putView: `INSERT OR REPLACE INTO views (user, file, shadow, backup_shadow, shadow_revision,
    backup_revision, client_version, server_version, backup_server_version, edit_stack, handle,
    owner, meta, last_seen_ms)
    VALUES (@user, @file, @shadow, @backup_shadow, @shadow_revision, @backup_revision,
    @client_version, @server_version, @backup_server_version, @edit_stack, @handle, @owner,
    @meta, @last_seen_ms)`,
  // An UPDATE rewrites the row in place: only indexes whose columns changed are touched.
  updateView: `UPDATE views SET shadow = @shadow, backup_shadow = @backup_shadow,
    shadow_revision = @shadow_revision, backup_revision = @backup_revision,
    client_version = @client_version, server_version = @server_version,
    backup_server_version = @backup_server_version, edit_stack = @edit_stack, handle = @handle,
    owner = @owner, meta = @meta, last_seen_ms = @last_seen_ms WHERE user = @user AND file = @file`,
  deleteView: 'DELETE FROM views WHERE user = ? AND file = ?',
  deleteViewsOfFile: 'DELETE FROM views WHERE file = ?',
  expireViews: 'DELETE FROM views WHERE last_seen_ms < ? RETURNING user, file',
  revisionsOfFile: 'SELECT revision, text FROM revisions WHERE file = ?',
  putRevision: 'INSERT OR REPLACE INTO revisions (file, revision, text) VALUES (?, ?, ?)',
  deleteRevision: 'DELETE FROM revisions WHERE file = ? AND revision = ?',
  deleteRevisionsOfFile: 'DELETE FROM revisions WHERE file = ?',
  // Revisions no view of the file names any more (after views left outside a commit).
  dropUnnamedRevisions: `DELETE FROM revisions WHERE file = @file AND revision NOT IN (
    SELECT shadow_revision FROM views WHERE file = @file AND shadow_revision IS NOT NULL
    UNION SELECT backup_revision FROM views WHERE file = @file AND backup_revision IS NOT NULL)`,
} as const

type Statements = { [K in keyof typeof cacheSql]: Database.Statement }

/** Documents and views of SqliteStore, read from memory and written through. */
export interface FileCache {
  getDocument(file: string): DocumentState | undefined
  getView(ref: ViewRef): ViewState | undefined
  /** Every view of `file`, sorted by user. */
  viewsOf(file: string): ViewState[]
  /** Every view of `user`, sorted by file. */
  viewsOfUser(user: string): ViewState[]
  /** Plans, writes (one transaction, after any staged group) and then caches one change. */
  commit(change: StoreChange): void
  /**
   * Plans and caches one change at once and resolves when the transaction of its group is
   * written; rejects with `failure(err)` when it was not (then memory is read again).
   */
  stage(change: StoreChange): Promise<void>
  /** Writes the staged group now (before SQL that must see it). Its failure goes to stagers. */
  flush(): void
  expireViews(olderThanMs: number): ViewRef[]
  deleteFile(file: string): boolean
  /** Drops every file from memory; the next reads come from the database. */
  forget(): void
  /** Document/view transactions written so far: one per commit and one per group. */
  readonly transactions: number
}

/** How {@link createFileCache} groups staged changes. */
export interface FileCacheOptions {
  /** Most staged changes written in one transaction (store.maxGroupedCommits). */
  readonly maxGroupedCommits: number
  /** The error stagers of a failed group are rejected with. */
  readonly failure: (err: unknown) => Error
}

/** One staged change: the files it planned (memory shows them) and the plans that write. */
interface Staged {
  readonly files: readonly string[]
  readonly writes: readonly FilePlan[]
}

const byUser = (a: ViewState, b: ViewState) => (a.user < b.user ? -1 : a.user > b.user ? 1 : 0)

/** Creates the cache over `db`; it must be the only writer of documents and views. */
export function createFileCache(db: Database.Database, options: FileCacheOptions): FileCache {
  const st = Object.fromEntries(
    Object.entries(cacheSql).map(([name, text]) => [name, db.prepare(text)]),
  ) as Statements
  const entries = new Map<string, FileEntry>()

  function load(file: string): FileEntry {
    const row = st.getDocument.get(file) as rows.DocumentRow | undefined
    const doc = row && rows.documentFromRow(row)
    const kept = st.revisionsOfFile.all(file) as { revision: number; text: rows.StoredText }[]
    const stored = new Map(kept.map((r) => [r.revision, rows.decodeText(r.text)]))
    const textOf = (revision: number) =>
      doc && doc.text !== null && doc.revision === revision ? doc.text : stored.get(revision)
    const views = new Map()
    for (const viewRow of st.viewsOfFile.all(file) as rows.ViewRow[]) {
      const cached = rows.viewFromRow(viewRow, textOf)
      views.set(cached.view.user, cached)
    }
    return { doc, views, stored }
  }

  function entry(file: string): FileEntry {
    let found = entries.get(file)
    if (!found) entries.set(file, (found = load(file)))
    return found
  }

  const write = db.transaction((plans: readonly FilePlan[]) => {
    for (const p of plans) {
      if (p.deleteDocument) st.deleteDocument.run(p.file)
      for (const user of p.deleteViews) st.deleteView.run(user, p.file)
      if (p.putDocument) st.putDocument.run(rows.documentParams(p.putDocument))
      for (const view of p.putViews) st.putView.run(rows.viewParams(view))
      for (const view of p.updateViews) {
        if (st.updateView.run(rows.viewParams(view)).changes !== 1) {
          throw new Error(`View ${view.view.user} of ${p.file} has no row to update`)
        }
      }
      for (const { revision, text } of p.putRevisions) {
        st.putRevision.run(p.file, revision, rows.encodeText(text))
      }
      for (const revision of p.deleteRevisions) st.deleteRevision.run(p.file, revision)
    }
  })

  const expire = db.transaction((olderThanMs: number): ViewRef[] => {
    const gone = st.expireViews.all(olderThanMs) as ViewRef[]
    for (const file of new Set(gone.map((r) => r.file))) {
      st.dropUnnamedRevisions.run({ file })
      entries.delete(file)
    }
    return gone
  })

  let transactions = 0
  const writeCounted = (plans: readonly FilePlan[]) => {
    write(plans)
    transactions++
  }

  // Plans `change` against memory; the plans' next entries are not cached yet.
  const planChange = (change: StoreChange): FilePlan[] =>
    [...changesByFile(change)].map(([file, c]) => planFile(file, entry(file), c))

  // A file without views leaves memory, but only once memory no longer runs ahead of the file.
  const evictIfViewless = (file: string) => {
    if (entries.get(file)?.views.size === 0) entries.delete(file)
  }

  const group = createCommitGroup<Staged>({
    maxSize: options.maxGroupedCommits,
    write(items) {
      const plans = items.flatMap((item) => item.writes)
      if (plans.length > 0) writeCounted(plans)
    },
    settled(items, err) {
      // A failed group wrote nothing: read its files from the database again.
      for (const { files } of items) {
        for (const file of files) {
          if (err === undefined) evictIfViewless(file)
          else entries.delete(file)
        }
      }
    },
    failure: options.failure,
  })

  const removeFile = db.transaction((file: string): boolean => {
    const docs = st.deleteDocument.run(file).changes
    const views = st.deleteViewsOfFile.run(file).changes
    st.deleteRevisionsOfFile.run(file)
    return docs + views > 0
  })

  return {
    getDocument(file) {
      const cached = entries.get(file)
      if (cached) return cached.doc
      const row = st.getDocument.get(file) as rows.DocumentRow | undefined
      return row && rows.documentFromRow(row)
    },
    getView: (ref) => entry(ref.file).views.get(ref.user)?.view,
    viewsOf: (file) => [...entry(file).views.values()].map((c) => c.view).sort(byUser),
    viewsOfUser(user) {
      group.flush()
      const files = st.filesOfUser.pluck().all(user) as string[]
      return files.flatMap((file) => entry(file).views.get(user)?.view ?? [])
    },
    commit(change) {
      group.flush()
      const plans = planChange(change)
      const writes = plans.filter((p) => !isEmptyPlan(p))
      try {
        if (writes.length > 0) writeCounted(writes)
      } catch (err) {
        // Nothing was written; read these files afresh next time in case memory was wrong.
        for (const { file } of plans) entries.delete(file)
        throw err
      }
      for (const { file, next } of plans) {
        if (next.views.size === 0) entries.delete(file)
        else entries.set(file, next)
      }
    },
    stage(change) {
      const plans = planChange(change)
      const writes = plans.filter((p) => !isEmptyPlan(p))
      const files = plans.map((p) => p.file)
      for (const { file, next } of plans) entries.set(file, next)
      if (writes.length === 0 && !group.isOpen) {
        // Memory and file agree and nothing read unwritten state: durable already.
        for (const file of files) evictIfViewless(file)
        return Promise.resolve()
      }
      return group.add({ files, writes })
    },
    flush: () => group.flush(),
    expireViews(olderThanMs) {
      group.flush()
      return expire(olderThanMs)
    },
    deleteFile(file) {
      group.flush()
      const existed = removeFile(file)
      entries.delete(file)
      return existed
    },
    forget() {
      group.flush()
      entries.clear()
    },
    get transactions() {
      return transactions
    },
  }
}
