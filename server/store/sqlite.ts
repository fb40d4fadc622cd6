// SqliteStore: the Store contract on one better-sqlite3 file in WAL mode, with every statement
// prepared once. Owns the connection; knows nothing about the sync protocol.
//
// Durability (DESIGN §7): every commit() is one transaction that has reached the WAL before
// commit() returns. With `synchronous = NORMAL` (the default) the WAL is written but not
// fsynced per commit, which survives a process crash or `kill -9` (the OS still holds the
// written pages) but may lose the last commits on power loss or an OS crash; the database never
// corrupts either way. `synchronous = FULL` fsyncs the WAL on every commit and also survives
// power loss, at about a tenth of the commit rate (BENCHMARKS.md: ~65 k vs ~5.6 k tx/s).
// commitGrouped() shares one such transaction among the changes staged in one event-loop tick
// (commit-group.ts) and resolves only once it is written: durable to the same level.

import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import { SyncError, ErrorCode } from '../../shared/errors.ts'
import { defaultConfig } from '../config.ts'
import type { DocumentState, ViewState } from '../../shared/sync/types.ts'
import { migrate } from './schema.ts'
import * as rows from './sqlite-rows.ts'
import type {
  AclRule,
  DocumentSummary,
  ListDocumentsOptions,
  Store,
  StoreChange,
  StoreStats,
  TokenRecord,
  ViewOwner,
  ViewRef,
} from './store.ts'
import { createFileCache } from './sqlite-cache.ts'
import { checkChange, checkKey, checkRule } from './validate.ts'

/** How hard SQLite works to make a commit durable; see the module header. */
export type SynchronousLevel = 'normal' | 'full'

/** Options of {@link openSqliteStore}. */
export interface SqliteStoreOptions {
  /** Path of the database file (its folder is created), or ':memory:'. */
  readonly path: string
  /** `normal` (default: survives process kills) or `full` (also survives power loss). */
  readonly synchronous?: SynchronousLevel
  /** How long a statement waits for a lock held by another connection. */
  readonly busyTimeoutMs?: number
  /** Most commitGrouped() changes in one transaction (config `store.maxGroupedCommits`). */
  readonly maxGroupedCommits?: number
}

const sql = {
  listDocuments: `SELECT file, revision, updated_ms, length, text IS NULL AS is_null FROM documents
    WHERE substr(file, 1, length(@prefix)) = @prefix AND (@after IS NULL OR file > @after) ORDER BY file LIMIT @limit`,
  addToken: `INSERT INTO tokens (id, name, hash, created_ms) VALUES (@id, @name, @hash, @created_ms)`,
  findToken: 'SELECT * FROM tokens WHERE hash = ?',
  revokeTokens: 'UPDATE tokens SET revoked_ms = ? WHERE name = ? AND revoked_ms IS NULL',
  revokeToken: 'UPDATE tokens SET revoked_ms = ? WHERE id = ? AND revoked_ms IS NULL',
  listTokens: 'SELECT * FROM tokens ORDER BY created_ms, rowid',
  putRule: `INSERT OR REPLACE INTO acl_rules (pattern, principal, access, created_ms)
    VALUES (@pattern, @principal, @access, @created_ms)`,
  deleteRule: 'DELETE FROM acl_rules WHERE pattern = ? AND principal = ?',
  listRules: 'SELECT * FROM acl_rules ORDER BY created_ms, pattern, principal',
  countDocuments: 'SELECT count(*) FROM documents',
  countViews: 'SELECT count(*) FROM views',
  listViewOwners: 'SELECT user, file, owner FROM views',
} as const

type Statements = { [K in keyof typeof sql]: Database.Statement }

/** A Store on SQLite. `db` is exposed for tests, benchmarks and admin tooling. */
export interface SqliteStore extends Store {
  readonly db: Database.Database
  readonly path: string
  readonly synchronous: SynchronousLevel
  /** The schema version the file had when it was opened (0 for a new file). */
  readonly openedAtVersion: number
  /** Document/view transactions written since open: one per commit(), one per group. */
  readonly transactions: number
  /**
   * Drops the documents and views held in memory, so the next reads come from the file as
   * after a restart (tests; the file is the truth, memory only saves reading it back).
   */
  forgetCache(): void
}

/**
 * Opens (creating if needed) a SQLite store, applies pending migrations and returns it.
 * @throws SyncError ERR_STORE_UNAVAILABLE when the file cannot be opened or is from a newer build.
 */
export function openSqliteStore(options: SqliteStoreOptions): SqliteStore {
  const { path, synchronous = 'normal', busyTimeoutMs = 5_000 } = options
  const { maxGroupedCommits = defaultConfig.store.maxGroupedCommits } = options
  let db: Database.Database
  try {
    if (path !== ':memory:' && path !== '') mkdirSync(dirname(path), { recursive: true })
    db = new Database(path)
    db.pragma('journal_mode = WAL')
    db.pragma(`synchronous = ${synchronous === 'full' ? 'FULL' : 'NORMAL'}`)
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`)
  } catch (err) {
    throw storeError(`Cannot open database ${path}`, err)
  }
  let from: number
  try {
    from = migrate(db).from
  } catch (err) {
    db.close()
    throw storeError(`Cannot migrate database ${path}`, err)
  }
  const st = Object.fromEntries(
    Object.entries(sql).map(([name, text]) => [name, db.prepare(text)]),
  ) as Statements
  const info = { path, synchronous, openedAtVersion: from }
  return createSqliteStore(db, st, info, maxGroupedCommits)
}

function storeError(what: string, err: unknown): Error {
  if (err instanceof SyncError || err instanceof TypeError || err instanceof RangeError) return err
  const detail = err instanceof Error ? err.message : String(err)
  return new SyncError(ErrorCode.ERR_STORE_UNAVAILABLE, `${what}: ${detail}`, true)
}

function isConstraintError(err: unknown): boolean {
  return err instanceof Database.SqliteError && err.code.startsWith('SQLITE_CONSTRAINT')
}

function createSqliteStore(
  db: Database.Database,
  st: Statements,
  info: { path: string; synchronous: SynchronousLevel; openedAtVersion: number },
  maxGroupedCommits: number,
): SqliteStore {
  const commitFailed = (err: unknown) => storeError('Commit failed', err)
  const files = createFileCache(db, { maxGroupedCommits, failure: commitFailed })
  const count = (s: Database.Statement): number => s.pluck().get() as number
  // Every request reads the ACL rules. Another connection (the CLI) may change them, which
  // PRAGMA data_version reveals, so they are read again only after a change.
  const dataVersion = db.prepare('PRAGMA data_version').pluck()
  let rules: { version: number; list: AclRule[] } | undefined
  // Reading a file into memory can fail like any statement (or find a damaged row).
  const read = <T>(fn: () => T): T => {
    try {
      return fn()
    } catch (err) {
      throw storeError('Read failed', err)
    }
  }

  return {
    db,
    ...info,
    get transactions() {
      return files.transactions
    },
    forgetCache: () => files.forget(),
    getDocument(file: string): DocumentState | undefined {
      return read(() => files.getDocument(file))
    },
    listDocuments(opts: ListDocumentsOptions = {}): DocumentSummary[] {
      files.flush()
      const params = {
        prefix: opts.prefix ?? '',
        after: opts.after ?? null,
        limit: opts.limit ?? -1,
      }
      const list = st.listDocuments.all(params) as Parameters<typeof rows.summaryFromRow>[0][]
      return list.map(rows.summaryFromRow)
    },
    getViews(refs: readonly ViewRef[]): ViewState[] {
      return read(() => refs.flatMap((ref) => files.getView(ref) ?? []))
    },
    listViews: (file) => read(() => files.viewsOf(file)),
    listViewSummaries: (file) =>
      read(() =>
        files
          .viewsOf(file)
          .map(({ user, handle, meta, lastSeenMs }) =>
            Object.freeze({ user, file, handle, meta, lastSeenMs }),
          ),
      ),
    listViewsOfUser: (user) => read(() => files.viewsOfUser(user)),
    expireViews: (olderThanMs) => files.expireViews(olderThanMs),
    listViewOwners() {
      files.flush()
      return read(() => st.listViewOwners.all() as ViewOwner[])
    },
    commit(change: StoreChange): void {
      checkChange(change)
      try {
        files.commit(change)
      } catch (err) {
        throw commitFailed(err)
      }
    },
    commitGrouped(change: StoreChange): Promise<void> {
      try {
        checkChange(change)
        return files.stage(change)
      } catch (err) {
        return Promise.reject(commitFailed(err))
      }
    },
    deleteDocument(file: string): boolean {
      checkKey('document name', file)
      return files.deleteFile(file)
    },
    addToken(token): void {
      try {
        st.addToken.run({
          id: token.id,
          name: token.name,
          hash: token.hash,
          created_ms: token.createdMs,
        })
      } catch (err) {
        if (isConstraintError(err)) throw new TypeError(`Token id ${token.id} or its hash exists`)
        throw storeError('Cannot add token', err)
      }
    },
    findTokenByHash(hash: string): TokenRecord | undefined {
      const row = st.findToken.get(hash) as rows.TokenRow | undefined
      return row && rows.tokenFromRow(row)
    },
    revokeTokens: (name, nowMs) => st.revokeTokens.run(nowMs, name).changes,
    revokeToken: (id, nowMs) => st.revokeToken.run(nowMs, id).changes > 0,
    listTokens: () => (st.listTokens.all() as rows.TokenRow[]).map(rows.tokenFromRow),
    putRule(rule: AclRule): void {
      checkRule(rule)
      const { pattern, principal, access, createdMs } = rule
      rules = undefined
      st.putRule.run({ pattern, principal, access, created_ms: createdMs })
    },
    deleteRule(pattern, principal) {
      rules = undefined
      return st.deleteRule.run(pattern, principal).changes > 0
    },
    listRules() {
      const version = dataVersion.get() as number
      if (rules?.version !== version) {
        const list = (st.listRules.all() as rows.RuleRow[]).map(rows.ruleFromRow)
        rules = { version, list }
      }
      return [...rules.list]
    },
    stats(): StoreStats {
      files.flush()
      return { documents: count(st.countDocuments), views: count(st.countViews) }
    },
    close() {
      files.flush()
      db.close()
    },
  }
}
