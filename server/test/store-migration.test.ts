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
  assert.deepEqual(tables, ['acl_rules', 'documents', 'tokens', 'views'])
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
