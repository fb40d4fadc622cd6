// The SQLite schema as numbered migrations, applied in order and recorded in
// PRAGMA user_version. A migration never changes once released: add a new one instead.

import type Database from 'better-sqlite3'
import { SyncError, ErrorCode } from '../../shared/errors.ts'

/** One schema step from `version - 1` to `version`. */
export interface Migration {
  readonly version: number
  readonly description: string
  /** Runs inside the migration's transaction. */
  readonly up: (db: Database.Database) => void
}

// Free-text columns (text, shadows, meta, handle) hold TEXT when the string is well-formed
// UTF-16 and a UTF-16LE BLOB otherwise, so lone surrogates survive (see sqlite.ts encodeText).
const v1 = `
CREATE TABLE documents (
  file TEXT PRIMARY KEY NOT NULL,
  text,
  revision INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL
);
CREATE TABLE views (
  user TEXT NOT NULL,
  file TEXT NOT NULL,
  shadow NOT NULL,
  backup_shadow NOT NULL,
  client_version INTEGER NOT NULL,
  server_version INTEGER NOT NULL,
  backup_server_version INTEGER NOT NULL,
  edit_stack TEXT NOT NULL,
  handle NOT NULL,
  meta,
  last_seen_ms INTEGER NOT NULL,
  PRIMARY KEY (user, file)
);
CREATE INDEX views_by_file ON views (file);
`

const v2 = `
ALTER TABLE documents ADD COLUMN length INTEGER NOT NULL DEFAULT 0;
CREATE INDEX views_by_last_seen ON views (last_seen_ms);
CREATE TABLE tokens (
  id TEXT PRIMARY KEY NOT NULL,
  name TEXT NOT NULL,
  hash TEXT NOT NULL UNIQUE,
  created_ms INTEGER NOT NULL,
  revoked_ms INTEGER
);
CREATE INDEX tokens_by_name ON tokens (name);
CREATE TABLE acl_rules (
  pattern TEXT NOT NULL,
  principal TEXT NOT NULL,
  access TEXT NOT NULL CHECK (access IN ('write', 'read', 'none')),
  created_ms INTEGER NOT NULL,
  PRIMARY KEY (pattern, principal)
);
`

// v2 adds documents.length (UTF-16 code units, which SQL's length() cannot count) so that
// listing documents never reads their text; existing rows are measured once here.
function fillDocumentLengths(db: Database.Database): void {
  const rows = db.prepare('SELECT file, text FROM documents').all() as {
    file: string
    text: string | Buffer | null
  }[]
  const update = db.prepare('UPDATE documents SET length = ? WHERE file = ?')
  for (const row of rows) {
    const length =
      row.text === null ? 0 : typeof row.text === 'string' ? row.text.length : row.text.length / 2
    update.run(length, row.file)
  }
}

// v3 lets a view name the document revision its shadow (or backup shadow) equals instead of
// holding a copy (a sync then writes a few numbers, not the text three times): a shadow column
// is NULL exactly when its revision column is set. Past revisions that views still name keep
// their text in `revisions`. SQLite cannot drop NOT NULL in place, so views is rebuilt.
const v3 = `
CREATE TABLE views_v3 (
  user TEXT NOT NULL,
  file TEXT NOT NULL,
  shadow,
  backup_shadow,
  shadow_revision INTEGER,
  backup_revision INTEGER,
  client_version INTEGER NOT NULL,
  server_version INTEGER NOT NULL,
  backup_server_version INTEGER NOT NULL,
  edit_stack TEXT NOT NULL,
  handle NOT NULL,
  meta,
  last_seen_ms INTEGER NOT NULL,
  PRIMARY KEY (user, file),
  CHECK ((shadow IS NULL) <> (shadow_revision IS NULL)),
  CHECK ((backup_shadow IS NULL) <> (backup_revision IS NULL))
);
INSERT INTO views_v3 (user, file, shadow, backup_shadow, client_version, server_version,
  backup_server_version, edit_stack, handle, meta, last_seen_ms)
  SELECT user, file, shadow, backup_shadow, client_version, server_version,
  backup_server_version, edit_stack, handle, meta, last_seen_ms FROM views;
DROP TABLE views;
ALTER TABLE views_v3 RENAME TO views;
CREATE INDEX views_by_file ON views (file);
CREATE INDEX views_by_last_seen ON views (last_seen_ms);
CREATE TABLE revisions (
  file TEXT NOT NULL,
  revision INTEGER NOT NULL,
  text NOT NULL,
  PRIMARY KEY (file, revision)
);
`

// v4 binds each view to its owner (server/auth/owner.ts, issue 14): only that requester may use,
// reset or close it. Existing views get the owner their handle implies: `~name:ip` (anonymous)
// its address, `name:ip` its principal (neither names nor principals contain `:`).
function fillViewOwners(db: Database.Database): void {
  db.exec("ALTER TABLE views ADD COLUMN owner TEXT NOT NULL DEFAULT ''")
  const rows = db.prepare('SELECT user, file, handle FROM views').all() as {
    user: string
    file: string
    handle: string | Buffer
  }[]
  const update = db.prepare('UPDATE views SET owner = ? WHERE user = ? AND file = ?')
  for (const row of rows) {
    const handle = typeof row.handle === 'string' ? row.handle : row.handle.toString('utf16le')
    const colon = handle.indexOf(':')
    if (colon <= 0) continue
    const [name, ip] = [handle.slice(0, colon), handle.slice(colon + 1)]
    const owner = name.startsWith('~') ? `address:${ip}` : `principal:${name}`
    update.run(owner, row.user, row.file)
  }
}

/** Every migration, oldest first; `migrations[i].version === i + 1`. */
export const migrations: readonly Migration[] = [
  { version: 1, description: 'documents and views', up: (db) => db.exec(v1) },
  {
    version: 2,
    description: 'document lengths, view expiry index, tokens, ACL rules',
    up: (db) => {
      db.exec(v2)
      fillDocumentLengths(db)
    },
  },
  { version: 3, description: 'shadows by document revision', up: (db) => db.exec(v3) },
  { version: 4, description: 'view owners', up: fillViewOwners },
]

/** The schema version this build writes. */
export const schemaVersion = migrations.length

/**
 * Brings `db` up to {@link schemaVersion}, one transaction per migration, and returns the
 * versions before and after. A file from a newer build is refused, never downgraded.
 * @throws SyncError ERR_STORE_UNAVAILABLE when the file's schema is newer than this build's.
 */
export function migrate(db: Database.Database): { from: number; to: number } {
  const from = db.pragma('user_version', { simple: true }) as number
  if (from > schemaVersion) {
    throw new SyncError(
      ErrorCode.ERR_STORE_UNAVAILABLE,
      `Database schema version ${from} is newer than this build's ${schemaVersion}`,
    )
  }
  for (const migration of migrations.slice(from)) {
    // user_version lives in the database header, which the transaction covers: a crash
    // mid-migration leaves the previous version and none of this step's tables.
    db.transaction(() => {
      migration.up(db)
      db.pragma(`user_version = ${migration.version}`)
    })()
  }
  return { from, to: schemaVersion }
}
