// Group commit (README "Storage and durability"): the sync requests of one event-loop tick
// share one SQLite transaction, each answer leaves only once that transaction is written, and a
// failed transaction fails every request of its group and leaves memory as the file is.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { SyncError } from '../../shared/errors.ts'
import { openSqliteStore, type SqliteStore } from '../store/sqlite.ts'
import { createSyncService, type SyncService } from '../sync/service.ts'
import { ann, tempDir } from './sync-helpers.ts'

type Context = { after: (fn: () => void) => void }

function open(t: Context, maxGroupedCommits?: number) {
  const path = join(tempDir(t, 'tandem-group-'), 'tandem.db')
  const store = openSqliteStore({ path, ...(maxGroupedCommits ? { maxGroupedCommits } : {}) })
  const sync = createSyncService({ store })
  // Another connection sees only what was committed.
  const reader = new Database(path, { readonly: true })
  t.after(() => {
    sync.close()
    store.close()
    reader.close()
  })
  return { path, store, sync, reader }
}

/** New views on two documents, sent in one tick; each resolves with whether its row was committed. */
function openViewsInOneTick(sync: SyncService, reader: Database.Database, users: string[]) {
  const hasRow = reader.prepare('SELECT count(*) FROM views WHERE user = ?').pluck()
  return users.map((user, i) =>
    sync
      .handle(`u:${user}\nF:0:${i % 2 ? 'doc' : 'other'}\nr:1:hello\n\n`, ann)
      .then(() => hasRow.get(user) === 1),
  )
}

test('the requests of one tick share one transaction; answers wait for it', async (t) => {
  const { store, sync, reader } = open(t)
  await sync.handle('u:a\nF:0:doc\nr:1:hello\n\n', ann)
  const before = store.transactions
  const editInSameTick = sync.handle('u:a\nF:1:doc\nd:1:=5\t+ world\n\n', ann)
  const opened = openViewsInOneTick(sync, reader, ['b', 'c', 'd', 'e'])
  assert.deepEqual(await Promise.all(opened), [true, true, true, true])
  assert.equal(await editInSameTick, 'F:2:doc\nd:1:=11\n')
  assert.equal(store.transactions, before + 1, 'five requests, one transaction')
  const text = reader.prepare('SELECT text FROM documents WHERE file = ?').pluck()
  assert.equal(text.get('doc'), 'hello world')
})

test('store.maxGroupedCommits bounds a group', async (t) => {
  const { store, sync, reader } = open(t, 2)
  const before = store.transactions
  const opened = openViewsInOneTick(sync, reader, ['b', 'c', 'd', 'e', 'f'])
  assert.deepEqual(await Promise.all(opened), [true, true, true, true, true])
  assert.equal(store.transactions, before + 3, 'groups of 2, 2 and 1')
})

function contents(store: SqliteStore, files: string[]) {
  return files.map((file) => ({ doc: store.getDocument(file), views: store.listViews(file) }))
}

test('a failed group fails all its requests and memory matches the file', async (t) => {
  const { path, store, sync } = open(t)
  const changes: unknown[] = []
  sync.on('change', (c) => changes.push(c))
  await sync.handle('u:a\nF:0:doc\nr:1:hello\n\n', ann)
  // One request of the group cannot be written, so the whole transaction fails.
  store.db.exec(`CREATE TRIGGER refuse BEFORE INSERT ON views WHEN NEW.user = 'doomed'
    BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`)
  const edit = 'u:a\nF:1:doc\nd:1:=5\t+ world\n\n'
  const results = await Promise.allSettled([
    sync.handle(edit, ann),
    sync.handle('u:b\nF:0:doc\nr:1:hello\n\n', ann),
    sync.handle('u:doomed\nF:0:other\nr:1:x\n\n', ann),
  ])
  for (const result of results) {
    assert.equal(result.status, 'rejected')
    const err = result.reason as unknown
    assert.ok(err instanceof SyncError && err.code === 'ERR_STORE_UNAVAILABLE', String(err))
  }
  assert.equal(changes.length, 1, 'no change event for what was not committed')
  const fromFile = openSqliteStore({ path })
  t.after(() => fromFile.close())
  const files = ['doc', 'other']
  assert.deepEqual(contents(store, files), contents(fromFile, files))
  assert.equal(store.getDocument('doc')?.text, 'hello')
  assert.deepEqual(
    store.listViews('doc').map((v) => v.user),
    ['a'],
  )
  // The client resends; once the fault is gone the same request succeeds.
  store.db.exec('DROP TRIGGER refuse')
  assert.equal(await sync.handle(edit, ann), 'F:2:doc\nd:1:=11\n')
  assert.equal(store.getDocument('doc')?.text, 'hello world')
})
