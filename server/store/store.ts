// The storage contract of Tandem: documents, views (shadows, versions, edit stacks), tokens and
// ACL rules. Synchronous on purpose (better-sqlite3 is), so a sync step can load → compute →
// commit without yielding. Backends: MemoryStore (memory.ts), SqliteStore (sqlite.ts); both
// pass the one suite in conformance.ts.

import type { DocumentState, ViewState } from '../../shared/sync/types.ts'

/** Names one view: a MobWrite client instance (`u:` id) on one file. */
export interface ViewRef {
  readonly user: string
  readonly file: string
}

/** A view and the owner key it is bound to (server/auth/owner.ts; '' when unbound). */
export interface ViewOwner extends ViewRef {
  readonly owner: string
}

/** What {@link Store.listDocuments} says about a document without loading its text. */
export interface DocumentSummary {
  readonly file: string
  readonly revision: number
  readonly updatedMs: number
  /** Length of the text in UTF-16 code units; 0 for a nullified (null) text. */
  readonly length: number
  /** Whether the text is null (nullified or never set, but the row is kept). */
  readonly isNull: boolean
}

/**
 * One atomic change: everything a sync step produced. Either all of it is durable or none.
 * Deletions run before puts, so `deleteViews` + `putViews` of the same view leaves the put.
 */
export interface StoreChange {
  /** Documents to insert or replace (keyed by `file`). */
  readonly putDocuments?: readonly DocumentState[]
  /** Document rows to remove. Their views stay; use `deleteViews` for those. */
  readonly deleteDocuments?: readonly string[]
  /** Views to insert or replace (keyed by `user` + `file`). */
  readonly putViews?: readonly ViewState[]
  /** Views to remove; missing ones are ignored. */
  readonly deleteViews?: readonly ViewRef[]
}

/** Access level of an ACL rule, and of a principal on a document. */
export type AccessLevel = 'write' | 'read' | 'none'

/** A bearer token as stored: only a hash of the secret is ever kept. */
export interface TokenRecord {
  /** Public id of the token (shown in lists, used to revoke one token). */
  readonly id: string
  /** The principal the token authenticates (a user or service name). */
  readonly name: string
  /** Hash of the secret (hex), the lookup key. */
  readonly hash: string
  readonly createdMs: number
  /** When it was revoked, or null while it is valid. */
  readonly revokedMs: number | null
}

/** One ACL rule: documents whose names match `pattern` give `principal` this `access`. */
export interface AclRule {
  /** Document name pattern (its syntax belongs to server/auth; the store only keeps it). */
  readonly pattern: string
  /** Principal name, or a group/wildcard the auth module understands (e.g. `*`). */
  readonly principal: string
  readonly access: AccessLevel
  readonly createdMs: number
}

/** A view without its texts: who is on a document (collaborator lists, `C:` lines). */
export interface ViewSummary {
  readonly user: string
  readonly file: string
  readonly handle: string
  readonly meta: string | null
  readonly lastSeenMs: number
}

/** Options of {@link Store.listDocuments}. */
export interface ListDocumentsOptions {
  /** Only names starting with this string. */
  readonly prefix?: string
  /** Only names sorting after this one (for paging). */
  readonly after?: string
  /** At most this many rows (default: all). */
  readonly limit?: number
}

/** Counts for health and metrics pages. */
export interface StoreStats {
  readonly documents: number
  readonly views: number
}

/**
 * The storage contract. Every method is synchronous and either completes or throws a
 * `SyncError` with code `ERR_STORE_UNAVAILABLE`. Returned records are immutable snapshots:
 * later commits never change an object already returned.
 */
export interface Store {
  /** The document named `file`, or undefined when there is no row for it. */
  getDocument(file: string): DocumentState | undefined
  /** Documents sorted by name (binary order), without their text. */
  listDocuments(opts?: ListDocumentsOptions): DocumentSummary[]

  /** The stored views among `refs`, in the order asked for; missing ones are left out. */
  getViews(refs: readonly ViewRef[]): ViewState[]
  /** Every stored view of `file` (its live collaborators), sorted by user. */
  listViews(file: string): ViewState[]
  /** The views of `file` without their shadows and stacks (cheap), sorted by user. */
  listViewSummaries(file: string): ViewSummary[]
  /** Every stored view of one MobWrite client instance (for `x:all`), sorted by file. */
  listViewsOfUser(user: string): ViewState[]
  /** Removes every view whose `lastSeenMs` is before `olderThanMs` and returns them. */
  expireViews(olderThanMs: number): ViewRef[]
  /** Every stored view with its owner key, unsorted (counting views per identity on start). */
  listViewOwners(): ViewOwner[]

  /**
   * Applies one change atomically and durably (to the level the backend documents) before it
   * returns. The sync service calls this before an answer leaves the server (DESIGN §7).
   */
  commit(change: StoreChange): void
  /**
   * Group commit: applies `change` like {@link commit} (later reads see it at once) but writes
   * it in one transaction with the other changes staged in this event-loop tick, and resolves
   * once that transaction is as durable as a commit. Nothing that reveals the change (an
   * answer) may leave before. If the transaction fails, every change of its group rejects
   * with ERR_STORE_UNAVAILABLE and memory is read from the file again; an invalid change
   * rejects alone.
   */
  commitGrouped(change: StoreChange): Promise<void>
  /** Explicitly deletes a document row and all its views (admin action, `N:` is a commit). */
  deleteDocument(file: string): boolean

  /** Stores a new token. Throws a `TypeError` if the id or hash already exists. */
  addToken(token: Omit<TokenRecord, 'revokedMs'>): void
  /** The token with this hash (revoked ones included: the caller checks `revokedMs`). */
  findTokenByHash(hash: string): TokenRecord | undefined
  /** Revokes every valid token of principal `name`; returns how many were revoked. */
  revokeTokens(name: string, nowMs: number): number
  /** Revokes the token with this id; false when it does not exist or was already revoked. */
  revokeToken(id: string, nowMs: number): boolean
  /** All tokens, oldest first. */
  listTokens(): TokenRecord[]

  /** Inserts or replaces the rule for (pattern, principal). */
  putRule(rule: AclRule): void
  /** Removes the rule for (pattern, principal); false when there was none. */
  deleteRule(pattern: string, principal: string): boolean
  /** All rules, oldest first (ties by pattern, then principal). */
  listRules(): AclRule[]

  /** Row counts. */
  stats(): StoreStats
  /** Releases the backend (closes the database file). Further calls throw. */
  close(): void
}
