// State records of differential synchronization that the engine, the store and the clients share.
// Plain immutable data: no methods, no I/O. See mobwrite-notes §2.1 for the original ViewObj.

/** One unacknowledged server→client edit line, kept until the client acknowledges `version`. */
export interface StackedEdit {
  /** The server version the line carries (`d:<version>:…`, `R:<version>:…`). */
  readonly version: number
  /** The whole protocol line without its newline, e.g. `d:3:=5\t+x`. */
  readonly line: string
}

/**
 * The server's state for one view: one MobWrite client instance (`u:` id) on one file.
 * Keyed by (user, file), never by transport session, so a reconnecting client resumes it.
 */
export interface ViewState {
  /** The client's MobWrite user id (`u:`), an editor instance, not a person. */
  readonly user: string
  /** The document name (`f:`/`F:`). */
  readonly file: string
  /** Text the server believes the client has (the server shadow). */
  readonly shadow: string
  /** Shadow before the last answer, for rollback when that answer was lost. */
  readonly backupShadow: string
  /** Client version the server expects next (`shadow_client_version`, reported in `F:`). */
  readonly clientVersion: number
  /** Server version the next server edit will carry (`shadow_server_version`). */
  readonly serverVersion: number
  /** Server version that goes with `backupShadow`. */
  readonly backupServerVersion: number
  /** Server edits not yet acknowledged by the client, oldest first. */
  readonly editStack: readonly StackedEdit[]
  /** Trusted handle of the view's owner (`name:ip`), derived by the server. */
  readonly handle: string
  /**
   * Who opened the view (server/auth/owner.ts): a token's principal, or for anonymous clients
   * their session or address. Only that requester may use, reset or close it; `''` = nobody
   * yet (the first requester takes it).
   */
  readonly owner: string
  /** Client metadata from the last `m:` line (JSON text), or null. */
  readonly meta: string | null
  /** When the client last sent a request for this view (ms since epoch). */
  readonly lastSeenMs: number
}

/** A document: the master text all views converge on. */
export interface DocumentState {
  /** The document name. */
  readonly file: string
  /** The master text, or null when the document was nullified or never set. */
  readonly text: string | null
  /** Counts changes to `text`; increases by one per change. */
  readonly revision: number
  /** When `text` last changed (ms since epoch). */
  readonly updatedMs: number
}
