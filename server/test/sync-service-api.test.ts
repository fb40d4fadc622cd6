// The sync service without a network: requests for one document are serialized, a failed
// commit answers nothing and changes nothing, idle views expire on the clock, and access
// decisions reach the engine.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { SyncError } from '../../shared/errors.ts'
import { openSqliteStore } from '../store/sqlite.ts'
import { createMemoryStore } from '../store/memory.ts'
import { createSyncService } from '../sync/service.ts'
import { createSimClient, converge, tokensIn } from './sync-sim.ts'
import { ann } from './sync-helpers.ts'

function sqliteService(t: { after: (fn: () => void) => void }) {
  const store = openSqliteStore({ path: ':memory:' })
  const sync = createSyncService({ store })
  t.after(() => {
    sync.close()
    store.close()
  })
  return { store, sync }
}

test('serializes concurrent requests on one document', { timeout: 20_000 }, async (t) => {
  const { sync } = sqliteService(t)
  const clients = Array.from({ length: 8 }, (_, i) =>
    createSimClient(`u${i}`, 'doc', (q) => sync.handle(q, ann)),
  )
  await Promise.all(clients.map((c) => c.sync()))
  // Every client inserts and all requests are in flight at once.
  for (let round = 0; round < 5; round++) {
    for (const c of clients) c.insert(Math.random)
    await Promise.all(clients.map((c) => c.sync()))
  }
  const text = await converge(clients, 10_000)
  assert.equal(tokensIn(text).length, 40)
  assert.equal(sync.readDocument('doc')?.text, text)
})

test('a failed commit rejects the request and changes nothing', { timeout: 20_000 }, async (t) => {
  const { store, sync } = sqliteService(t)
  const changes: unknown[] = []
  sync.on('change', (c) => changes.push(c))
  await sync.handle('u:a\nF:0:d\nr:1:one\n\n', ann)
  store.db.exec(`CREATE TRIGGER refuse BEFORE INSERT ON documents WHEN NEW.text = 'two'
    BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`)
  await assert.rejects(
    sync.handle('u:b\nF:0:d\nR:1:two\n\n', ann),
    (err: unknown) => err instanceof SyncError && err.code === 'ERR_STORE_UNAVAILABLE',
  )
  assert.equal(sync.readDocument('d')?.text, 'one')
  assert.deepEqual(
    sync.listLiveViews('d').map((v) => v.user),
    ['a'],
  )
  assert.equal(changes.length, 1)
})

test('expires idle views on the clock and keeps documents', { timeout: 20_000 }, async (t) => {
  let nowMs = 1_000_000
  const store = createMemoryStore()
  const sync = createSyncService({ store, now: () => nowMs, config: { viewExpiryMs: 60_000 } })
  t.after(() => sync.close())
  await sync.handle('u:old\nF:0:d\nr:1:text\n\n', ann)
  nowMs += 50_000
  await sync.handle('u:new\nF:0:d\nr:1:text\n\n', ann)
  nowMs += 20_000
  assert.equal(sync.sweep(), 1)
  assert.deepEqual(
    sync.listLiveViews('d').map((v) => v.user),
    ['new'],
  )
  nowMs += 60_000
  assert.equal(sync.sweep(), 1)
  assert.equal(sync.readDocument('d')?.text, 'text')
})

test('read-only access keeps the text and says O:', { timeout: 20_000 }, async (t) => {
  const store = createMemoryStore()
  const sync = createSyncService({
    store,
    access: () => (file) => (file === 'locked' ? 'read' : 'write'),
  })
  t.after(() => sync.close())
  await sync.handle('u:w\nF:0:open\nr:1:free\n\n', ann)
  store.commit({ putDocuments: [{ file: 'locked', text: 'fixed', revision: 1, updatedMs: 1 }] })
  const answer = await sync.handle('u:r\nF:0:locked\nR:1:changed\n\n', ann)
  assert.match(answer, /^O:locked$/m)
  assert.equal(sync.readDocument('locked')?.text, 'fixed')
})

test(
  'x:all closes every view of the client; bad names are refused',
  { timeout: 20_000 },
  async (t) => {
    const { sync } = sqliteService(t)
    for (const file of ['a', 'b']) await sync.handle(`u:leaver\nF:0:${file}\nr:1:${file}\n\n`, ann)
    await sync.handle('u:stayer\nF:0:a\nr:1:a\n\n', ann)
    assert.equal(await sync.handle('u:leaver\nx:all\n\n', ann), '')
    assert.deepEqual(
      ['a', 'b'].map((f) => sync.listLiveViews(f).map((v) => v.user)),
      [['stayer'], []],
    )
    await assert.rejects(
      sync.handle('u:x\nF:0:bad\ud800\nr:1:x\n\n', ann),
      (err: unknown) => err instanceof SyncError && err.code === 'ERR_REQUEST_INVALID',
    )
  },
)

test('the engine limits come from the sync config section', { timeout: 10_000 }, async (t) => {
  const store = createMemoryStore()
  const sync = createSyncService({ store, config: { maxDocChars: 5 } })
  t.after(() => sync.close())
  assert.equal(await sync.handle('u:a\nF:0:small\nr:1:12345\n\n', ann), 'F:1:small\nd:0:=5\n')
  const answer = await sync.handle('u:a\nF:0:big\nr:1:123456\n\n', ann)
  assert.match(answer, /^E:.*ERR_DOC_TOO_LARGE/m)
  assert.equal(sync.readDocument('big'), undefined)
})
