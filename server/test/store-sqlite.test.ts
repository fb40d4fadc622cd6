// SqliteStore beyond the shared contract: a commit that fails inside SQLite leaves nothing,
// a second connection sees every committed change, and the commit cost is measurable.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { tempDir } from './sync-helpers.ts'
import { openSqliteStore } from '../store/sqlite.ts'
import { sampleDocument, sampleView } from '../store/conformance.ts'
import { measureCommitCost } from '../store/commit-cost.ts'
import { SyncError } from '../../shared/errors.ts'

test('a commit failing inside SQLite rolls back whole', { timeout: 10_000 }, (t) => {
  const store = openSqliteStore({ path: join(tempDir(t), 'a.db') })
  t.after(() => store.close())
  store.commit({ putDocuments: [sampleDocument('a', 'before')] })
  // A trigger makes the view insert fail after the document row was already written.
  store.db.exec(`CREATE TRIGGER refuse BEFORE INSERT ON views WHEN NEW.user = 'bad'
    BEGIN SELECT RAISE(ABORT, 'refused by test'); END`)
  assert.throws(
    () =>
      store.commit({
        putDocuments: [sampleDocument('a', 'after', 2), sampleDocument('b', 'new')],
        putViews: [sampleView('ok', 'a'), sampleView('bad', 'a')],
      }),
    (err: unknown) =>
      err instanceof SyncError &&
      err.code === 'ERR_STORE_UNAVAILABLE' &&
      /refused by test/.test(err.message),
  )
  assert.equal(store.getDocument('a')?.text, 'before')
  assert.equal(store.getDocument('b'), undefined)
  assert.deepEqual(store.listViews('a'), [])
})

test('another connection sees each commit as soon as it returns', { timeout: 10_000 }, (t) => {
  const path = join(tempDir(t), 'shared.db')
  const writer = openSqliteStore({ path })
  const reader = openSqliteStore({ path })
  t.after(() => {
    writer.close()
    reader.close()
  })
  for (let i = 1; i <= 20; i++) {
    writer.commit({ putDocuments: [sampleDocument('d', `v${i}`, i)] })
    assert.equal(reader.getDocument('d')?.text, `v${i}`)
  }
})

test('measures the commit cost of a sync-shaped commit', { timeout: 20_000 }, (t) => {
  const dir = tempDir(t)
  for (const synchronous of ['normal', 'full'] as const) {
    const cost = measureCommitCost({
      path: join(dir, `${synchronous}.db`),
      synchronous,
      textChars: 10_000,
      commits: 200,
    })
    t.diagnostic(
      `synchronous=${synchronous} 10 KB: ${cost.commitsPerSecond.toFixed(0)} commits/s, ` +
        `p50 ${cost.p50Ms.toFixed(3)} ms, p99 ${cost.p99Ms.toFixed(3)} ms`,
    )
    assert.equal(cost.commits, 200)
    assert.ok(cost.commitsPerSecond > 0 && cost.p50Ms <= cost.p99Ms && cost.p99Ms <= cost.maxMs)
  }
})

test('writes a shadow equal to a document revision as its number, keeps only named past texts', (t) => {
  const store = openSqliteStore({ path: ':memory:' })
  t.after(() => store.close())
  const kept = () =>
    store.db.prepare('SELECT revision FROM revisions ORDER BY revision').pluck().all()
  const refs = () =>
    store.db
      .prepare('SELECT user, shadow, shadow_revision, backup_shadow, backup_revision FROM views')
      .raw()
      .all()
  const view = (user: string, shadow: string, backupShadow: string) =>
    sampleView(user, 'a', { shadow, backupShadow })
  store.commit({
    putDocuments: [sampleDocument('a', 'one', 1)],
    putViews: [view('u', 'one', 'mine'), view('v', 'one', 'one')],
  })
  assert.deepEqual(refs(), [
    ['u', null, 1, 'mine', null],
    ['v', null, 1, null, 1],
  ])
  assert.deepEqual(kept(), [])
  store.commit({
    putDocuments: [sampleDocument('a', 'two', 2)],
    putViews: [view('u', 'two', 'one')],
  })
  assert.deepEqual(kept(), [1]) // v and u still name revision 1, no longer the document's
  store.commit({ putViews: [view('v', 'two', 'two')] })
  assert.deepEqual(kept(), [1])
  store.commit({ putViews: [view('u', 'two', 'two')] })
  assert.deepEqual(kept(), [])
  store.commit({ deleteViews: [{ user: 'u', file: 'a' }] })
  assert.deepEqual(refs(), [['v', null, 2, null, 2]])
})

test('a commit that finds memory out of step fails whole, and the file is read afresh', (t) => {
  const store = openSqliteStore({ path: ':memory:' })
  t.after(() => store.close())
  store.commit({ putViews: [sampleView('u', 'a')] })
  store.db.exec('DELETE FROM views') // behind the store's back: memory still has the view
  const moved = sampleView('u', 'a', { lastSeenMs: 2_000 })
  assert.throws(() => store.commit({ putViews: [moved] }), SyncError)
  assert.deepEqual(store.getViews([moved]), [])
  store.commit({ putViews: [moved] })
  assert.deepEqual(store.getViews([moved]), [moved])
})

test('rules are read again after another connection changes them', (t) => {
  const path = join(tempDir(t), 'rules.db')
  const server = openSqliteStore({ path })
  const cli = openSqliteStore({ path })
  t.after(() => (server.close(), cli.close()))
  const rule = { pattern: 'a/*', principal: 'ann', access: 'read', createdMs: 1 } as const
  assert.deepEqual(server.listRules(), [])
  cli.putRule(rule)
  assert.deepEqual(server.listRules(), [rule])
  server.putRule({ ...rule, principal: 'bob' })
  assert.equal(server.listRules().length, 2)
  assert.equal(cli.deleteRule('a/*', 'ann'), true)
  assert.deepEqual(server.listRules(), [{ ...rule, principal: 'bob' }])
})
