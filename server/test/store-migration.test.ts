// Schema migrations: a new file, a file left by the previous schema (v1, written by hand here
// as that release wrote it), reopening, and refusing a file from a newer build.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { tempDir } from './sync-helpers.ts'
import Database from 'better-sqlite3'
import { openSqliteStore } from '../store/sqlite.ts'
import { schemaVersion } from '../store/schema.ts'
import { SyncError } from '../../shared/errors.ts'

// The v1 schema exactly as release 1 created it (a frozen copy: schema.ts may move on).
const v1Schema = `
CREATE TABLE documents (file TEXT PRIMARY KEY NOT NULL, text, revision INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL);
CREATE TABLE views (user TEXT NOT NULL, file TEXT NOT NULL, shadow NOT NULL,
  backup_shadow NOT NULL, client_version INTEGER NOT NULL, server_version INTEGER NOT NULL,
  backup_server_version INTEGER NOT NULL, edit_stack TEXT NOT NULL, handle NOT NULL, meta,
  last_seen_ms INTEGER NOT NULL, PRIMARY KEY (user, file));
CREATE INDEX views_by_file ON views (file);
PRAGMA user_version = 1;
`

test('creates the folder and the whole schema in a new file', { timeout: 10_000 }, (t) => {
  const path = join(tempDir(t), 'a/b/tandem.db')
  const store = openSqliteStore({ path })
  t.after(() => store.close())
  assert.equal(existsSync(path), true)
  assert.equal(store.openedAtVersion, 0)
  assert.equal(store.db.pragma('user_version', { simple: true }), schemaVersion)
  assert.equal(store.db.pragma('journal_mode', { simple: true }), 'wal')
  assert.equal(store.db.pragma('synchronous', { simple: true }), 1) // NORMAL
  const tables = store.db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    .pluck()
    .all()
  assert.deepEqual(tables, ['acl_rules', 'documents', 'revisions', 'tokens', 'views'])
})

test('migrates a v1 file and keeps its documents and views', { timeout: 10_000 }, (t) => {
  const path = join(tempDir(t), 'v1.db')
  const old = new Database(path)
  old.exec(v1Schema)
  old.prepare('INSERT INTO documents VALUES (?, ?, ?, ?)').run('notes', 'héllo 😀', 7, 1234)
  old.prepare('INSERT INTO documents VALUES (?, ?, ?, ?)').run('gone', null, 2, 99)
  old
    .prepare('INSERT INTO views VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
    .run('u1', 'notes', 'héllo', 'hé', 3, 4, 3, '[[3,"d:3:=2"]]', 'ann:1.2.3.4', null, 555)
  old.close()

  const store = openSqliteStore({ path })
  t.after(() => store.close())
  assert.equal(store.openedAtVersion, 1)
  assert.equal(store.db.pragma('user_version', { simple: true }), schemaVersion)
  assert.deepEqual(store.getDocument('notes'), {
    file: 'notes',
    text: 'héllo 😀',
    revision: 7,
    updatedMs: 1234,
  })
  // The v2 length column is measured in UTF-16 code units, not SQL characters.
  assert.deepEqual(
    store.listDocuments().map((d) => [d.file, d.length, d.isNull]),
    [
      ['gone', 0, true],
      ['notes', 8, false],
    ],
  )
  const [view] = store.getViews([{ user: 'u1', file: 'notes' }])
  assert.deepEqual(view?.editStack, [{ version: 3, line: 'd:3:=2' }])
  assert.equal(view?.backupServerVersion, 3)
  store.addToken({ id: 't', name: 'ann', hash: 'h', createdMs: 1 })
  assert.equal(store.findTokenByHash('h')?.name, 'ann')
})

// What release 2 added on top of v1 (a frozen copy as well).
const v2Schema = `
ALTER TABLE documents ADD COLUMN length INTEGER NOT NULL DEFAULT 0;
CREATE INDEX views_by_last_seen ON views (last_seen_ms);
CREATE TABLE tokens (id TEXT PRIMARY KEY NOT NULL, name TEXT NOT NULL, hash TEXT NOT NULL UNIQUE,
  created_ms INTEGER NOT NULL, revoked_ms INTEGER);
CREATE INDEX tokens_by_name ON tokens (name);
CREATE TABLE acl_rules (pattern TEXT NOT NULL, principal TEXT NOT NULL,
  access TEXT NOT NULL CHECK (access IN ('write', 'read', 'none')), created_ms INTEGER NOT NULL,
  PRIMARY KEY (pattern, principal));
PRAGMA user_version = 2;
`

test(
  'migrates a v2 file: inline shadows stay, new ones name revisions',
  { timeout: 10_000 },
  (t) => {
    const path = join(tempDir(t), 'v2.db')
    const old = new Database(path)
    old.exec(v1Schema)
    old.exec(v2Schema)
    old.prepare('INSERT INTO documents VALUES (?, ?, ?, ?, ?)').run('notes', 'abc', 3, 10, 3)
    old
      .prepare('INSERT INTO views VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(
        'u1',
        'notes',
        'abc',
        Buffer.from('a\ud800', 'utf16le'),
        2,
        5,
        4,
        '[]',
        'ann:1',
        '{}',
        77,
      )
    old.close()

    const store = openSqliteStore({ path })
    assert.equal(store.openedAtVersion, 2)
    const [view] = store.getViews([{ user: 'u1', file: 'notes' }])
    assert.equal(view?.shadow, 'abc')
    assert.equal(view?.backupShadow, 'a\ud800')
    assert.deepEqual(
      store.listViewSummaries('notes').map((v) => [v.user, v.meta, v.lastSeenMs]),
      [['u1', '{}', 77]],
    )
    assert.deepEqual(store.expireViews(0), [])
    // A shadow equal to the document text is written as its revision from now on.
    const text = store.getDocument('notes')?.text ?? ''
    store.commit({
      putDocuments: [{ file: 'notes', text: 'abcd', revision: 4, updatedMs: 11 }],
      putViews: [{ ...view!, shadow: 'abcd', backupShadow: text, lastSeenMs: 78 }],
    })
    const row = store.db
      .prepare('SELECT shadow, shadow_revision, backup_revision FROM views')
      .get() as Record<string, unknown>
    assert.deepEqual(row, { shadow: null, shadow_revision: 4, backup_revision: 3 })
    store.close()
    const again = openSqliteStore({ path })
    t.after(() => again.close())
    assert.equal(again.getViews([{ user: 'u1', file: 'notes' }])[0]?.backupShadow, 'abc')
    assert.equal(again.getViews([{ user: 'u1', file: 'notes' }])[0]?.shadow, 'abcd')
  },
)

test('reopening a current file changes nothing', { timeout: 10_000 }, (t) => {
  const path = join(tempDir(t), 'again.db')
  const first = openSqliteStore({ path })
  first.commit({ putDocuments: [{ file: 'a', text: 'x', revision: 1, updatedMs: 1 }] })
  first.close()
  const second = openSqliteStore({ path, synchronous: 'full' })
  t.after(() => second.close())
  assert.equal(second.openedAtVersion, schemaVersion)
  assert.equal(second.db.pragma('synchronous', { simple: true }), 2) // FULL
  assert.equal(second.getDocument('a')?.text, 'x')
})

test('refuses a file written by a newer schema', { timeout: 10_000 }, (t) => {
  const path = join(tempDir(t), 'future.db')
  const db = new Database(path)
  db.pragma(`user_version = ${schemaVersion + 1}`)
  db.close()
  assert.throws(
    () => openSqliteStore({ path }),
    (err: unknown) =>
      err instanceof SyncError &&
      err.code === 'ERR_STORE_UNAVAILABLE' &&
      err.message.includes(`version ${schemaVersion + 1} is newer`),
  )
})
