// The Store contract as one node:test suite that every backend must pass (ShareDB test/db.js,
// Faye's "faye engine" shared examples). Call it from a *.test.ts with a factory.

import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { DocumentState, ViewState } from '../../shared/sync/types.ts'
import type { Store } from './store.ts'

/** A document record for tests. */
export function sampleDocument(file: string, text: string | null, revision = 1): DocumentState {
  return { file, text, revision, updatedMs: 1_700_000_000_000 + revision }
}

/** A view record for tests; `over` replaces any field. */
export function sampleView(user: string, file: string, over: Partial<ViewState> = {}): ViewState {
  return {
    user,
    file,
    shadow: `shadow of ${file}`,
    backupShadow: `backup of ${file}`,
    clientVersion: 3,
    serverVersion: 5,
    backupServerVersion: 4,
    editStack: [
      { version: 4, line: 'd:4:=3\t+x' },
      { version: 5, line: 'R:5:hello%0A' },
    ],
    handle: `${user}:127.0.0.1`,
    owner: `principal:${user}`,
    meta: '{"cursor":1}',
    lastSeenMs: 1_000,
    ...over,
  }
}

// Texts that break naive backends: NUL, CR, tabs, astral characters, lone surrogates, big.
const awkwardTexts = [
  '',
  'a\0b\r\n\tc',
  'emoji 😀 and ü',
  'lone \ud800 high',
  'lone \udc00 low',
  'x'.repeat(1_000_000),
]

/**
 * Registers the conformance suite for a backend; `open` must return an empty store. `reopen`
 * closes a store and opens it again on the same data, as a restart would (a backend that keeps
 * nothing across a close passes the store itself back).
 */
export function describeStoreConformance(
  name: string,
  open: () => Store,
  reopen: (store: Store) => Store,
): void {
  describe(`Store conformance: ${name}`, { timeout: 30_000 }, () => {
    const withStore = (title: string, fn: (store: Store) => void) =>
      it(title, () => {
        const store = open()
        try {
          fn(store)
        } finally {
          store.close()
        }
      })

    withStore('starts empty', (store) => {
      assert.equal(store.getDocument('a'), undefined)
      assert.deepEqual(store.listDocuments(), [])
      assert.deepEqual(store.getViews([{ user: 'u', file: 'a' }]), [])
      assert.deepEqual(store.stats(), { documents: 0, views: 0 })
    })

    withStore('round-trips awkward document texts exactly', (store) => {
      const docs = awkwardTexts.map((text, i) => sampleDocument(`doc${i}`, text, i + 1))
      store.commit({ putDocuments: [...docs, sampleDocument('nulled', null, 7)] })
      for (const doc of docs) assert.equal(store.getDocument(doc.file)?.text, doc.text)
      assert.deepEqual(store.getDocument('nulled'), sampleDocument('nulled', null, 7))
      assert.deepEqual(store.getDocument('doc2'), sampleDocument('doc2', awkwardTexts[2]!, 3))
    })

    withStore('round-trips views with every field', (store) => {
      const views = [
        sampleView('u1', 'a'),
        sampleView('u2', 'a', { meta: null, editStack: [], shadow: '\ud83d', backupShadow: '' }),
        sampleView('u1', 'b:with:colons', { handle: 'Zoë:::1', shadow: awkwardTexts[5]! }),
      ]
      store.commit({ putViews: views })
      assert.deepEqual(store.getViews(views), views)
      assert.deepEqual(store.getViews([views[2]!, { user: 'nobody', file: 'a' }, views[0]!]), [
        views[2],
        views[0],
      ])
      assert.deepEqual(store.stats(), { documents: 0, views: 3 })
    })

    withStore('replaces documents and views by key', (store) => {
      store.commit({ putDocuments: [sampleDocument('a', 'one')], putViews: [sampleView('u', 'a')] })
      const next = sampleView('u', 'a', { clientVersion: 9, editStack: [] })
      store.commit({ putDocuments: [sampleDocument('a', 'two', 2)], putViews: [next] })
      assert.deepEqual(store.getDocument('a'), sampleDocument('a', 'two', 2))
      assert.deepEqual(store.getViews([next]), [next])
      assert.deepEqual(store.stats(), { documents: 1, views: 1 })
    })

    withStore('returns snapshots that later commits do not change', (store) => {
      store.commit({ putDocuments: [sampleDocument('a', 'one')], putViews: [sampleView('u', 'a')] })
      const doc = store.getDocument('a')
      const [view] = store.getViews([{ user: 'u', file: 'a' }])
      store.commit({
        putDocuments: [sampleDocument('a', 'two', 2)],
        putViews: [sampleView('u', 'a', { shadow: 'new', editStack: [] })],
      })
      assert.equal(doc?.text, 'one')
      assert.equal(view?.shadow, 'shadow of a')
      assert.equal(view?.editStack.length, 2)
    })

    withStore('lists documents sorted, by prefix, after a name, limited', (store) => {
      const names = ['b/2', 'a', 'b/1', 'c', 'b/10']
      store.commit({ putDocuments: names.map((f) => sampleDocument(f, f + '!')) })
      store.commit({ putDocuments: [sampleDocument('empty', null, 4)] })
      const all = store.listDocuments()
      assert.deepEqual(
        all.map((d) => d.file),
        ['a', 'b/1', 'b/10', 'b/2', 'c', 'empty'],
      )
      assert.deepEqual(all[0], {
        file: 'a',
        revision: 1,
        updatedMs: 1_700_000_000_001,
        length: 2,
        isNull: false,
      })
      assert.deepEqual(all[5], {
        file: 'empty',
        revision: 4,
        updatedMs: 1_700_000_000_004,
        length: 0,
        isNull: true,
      })
      const files = (opts: Parameters<Store['listDocuments']>[0]) =>
        store.listDocuments(opts).map((d) => d.file)
      assert.deepEqual(files({ prefix: 'b/' }), ['b/1', 'b/10', 'b/2'])
      assert.deepEqual(files({ prefix: 'b/', after: 'b/1', limit: 1 }), ['b/10'])
      assert.deepEqual(files({ limit: 2 }), ['a', 'b/1'])
      assert.deepEqual(files({ prefix: 'zz' }), [])
    })

    withStore('lists views per file and per user, sorted', (store) => {
      const views = [sampleView('u2', 'a'), sampleView('u1', 'b'), sampleView('u1', 'a')]
      store.commit({ putViews: views })
      assert.deepEqual(
        store.listViews('a').map((v) => v.user),
        ['u1', 'u2'],
      )
      assert.deepEqual(store.listViews('a')[0], views[2])
      assert.deepEqual(
        store.listViewsOfUser('u1').map((v) => v.file),
        ['a', 'b'],
      )
      assert.deepEqual(store.listViews('none'), [])
      assert.deepEqual(store.listViewSummaries('a'), [
        { user: 'u1', file: 'a', handle: 'u1:127.0.0.1', meta: '{"cursor":1}', lastSeenMs: 1_000 },
        { user: 'u2', file: 'a', handle: 'u2:127.0.0.1', meta: '{"cursor":1}', lastSeenMs: 1_000 },
      ])
    })

    withStore('deletes before it puts inside one change', (store) => {
      store.commit({
        putDocuments: [sampleDocument('a', 'x')],
        putViews: [sampleView('u', 'a'), sampleView('v', 'a')],
      })
      const fresh = sampleView('u', 'a', { clientVersion: 0, editStack: [] })
      store.commit({
        deleteDocuments: ['a', 'missing'],
        deleteViews: [
          { user: 'u', file: 'a' },
          { user: 'v', file: 'a' },
          { user: 'w', file: 'a' },
        ],
        putViews: [fresh],
      })
      assert.equal(store.getDocument('a'), undefined)
      assert.deepEqual(store.listViews('a'), [fresh])
    })

    withStore('rejects an invalid change whole', (store) => {
      store.commit({ putDocuments: [sampleDocument('a', 'keep')] })
      const bad = () =>
        store.commit({
          putDocuments: [sampleDocument('a', 'lost', 2)],
          putViews: [sampleView('u', 'a', { clientVersion: -1 })],
        })
      assert.throws(bad, RangeError)
      assert.throws(() => store.commit({ deleteDocuments: ['\udc00'] }), TypeError)
      assert.equal(store.getDocument('a')?.text, 'keep')
      assert.deepEqual(store.listViews('a'), [])
    })

    it('group commit: shows a change at once, keeps it, rejects an invalid one alone', async () => {
      const store = open()
      try {
        const first = store.commitGrouped({
          putDocuments: [sampleDocument('a', 'one')],
          putViews: [sampleView('u', 'a')],
        })
        assert.equal(store.getDocument('a')?.text, 'one')
        const bad = store.commitGrouped({ putViews: [sampleView('v', 'a', { clientVersion: -1 })] })
        const second = store.commitGrouped({ putDocuments: [sampleDocument('a', 'two', 2)] })
        await Promise.all([first, second, assert.rejects(bad, RangeError)])
        assert.equal(store.getDocument('a')?.text, 'two')
        assert.deepEqual(store.listViews('a'), [sampleView('u', 'a')])
        assert.deepEqual(store.stats(), { documents: 1, views: 1 })
      } finally {
        store.close()
      }
    })

    withStore('expires views idle since before a time', (store) => {
      store.commit({
        putViews: [
          sampleView('old', 'a', { lastSeenMs: 100 }),
          sampleView('edge', 'a', { lastSeenMs: 200 }),
          sampleView('new', 'b', { lastSeenMs: 300 }),
        ],
      })
      const gone = store.expireViews(200)
      assert.deepEqual(gone, [{ user: 'old', file: 'a' }])
      assert.deepEqual(
        store.listViews('a').map((v) => v.user),
        ['edge'],
      )
      assert.deepEqual(store.expireViews(200), [])
    })

    withStore('lists every view with its owner', (store) => {
      store.commit({
        putViews: [sampleView('u', 'a'), sampleView('v', 'b', { owner: 'address:10.0.0.1' })],
      })
      const owners = store.listViewOwners().sort((x, y) => (x.user < y.user ? -1 : 1))
      assert.deepEqual(owners, [
        { user: 'u', file: 'a', owner: 'principal:u' },
        { user: 'v', file: 'b', owner: 'address:10.0.0.1' },
      ])
    })

    withStore('deletes a document with its views', (store) => {
      store.commit({
        putDocuments: [sampleDocument('a', 'x'), sampleDocument('b', 'y')],
        putViews: [sampleView('u', 'a'), sampleView('u', 'b')],
      })
      assert.equal(store.deleteDocument('a'), true)
      assert.equal(store.deleteDocument('a'), false)
      assert.equal(store.getDocument('a'), undefined)
      assert.deepEqual(
        store.listViewsOfUser('u').map((v) => v.file),
        ['b'],
      )
      assert.equal(store.getDocument('b')?.text, 'y')
    })

    withStore('stores, finds and revokes tokens', (store) => {
      store.addToken({ id: 't1', name: 'alice', hash: 'h1', createdMs: 10 })
      store.addToken({ id: 't2', name: 'alice', hash: 'h2', createdMs: 20 })
      store.addToken({ id: 't3', name: 'bob', hash: 'h3', createdMs: 30 })
      assert.throws(
        () => store.addToken({ id: 't1', name: 'x', hash: 'h9', createdMs: 1 }),
        TypeError,
      )
      assert.throws(
        () => store.addToken({ id: 't9', name: 'x', hash: 'h1', createdMs: 1 }),
        TypeError,
      )
      assert.deepEqual(store.findTokenByHash('h3'), {
        id: 't3',
        name: 'bob',
        hash: 'h3',
        createdMs: 30,
        revokedMs: null,
      })
      assert.equal(store.findTokenByHash('nope'), undefined)
      assert.equal(store.revokeToken('t1', 50), true)
      assert.equal(store.revokeToken('t1', 60), false)
      assert.equal(store.revokeTokens('alice', 70), 1)
      assert.equal(store.revokeTokens('alice', 80), 0)
      assert.deepEqual(
        store.listTokens().map((t) => [t.id, t.revokedMs]),
        [
          ['t1', 50],
          ['t2', 70],
          ['t3', null],
        ],
      )
    })

    withStore('stores, replaces and deletes ACL rules', (store) => {
      store.putRule({ pattern: 'team/*', principal: 'alice', access: 'write', createdMs: 1 })
      store.putRule({ pattern: '*', principal: '*', access: 'read', createdMs: 2 })
      store.putRule({ pattern: 'team/*', principal: 'alice', access: 'none', createdMs: 3 })
      assert.throws(
        () =>
          store.putRule({ pattern: 'x', principal: 'y', access: 'admin' as 'read', createdMs: 4 }),
        TypeError,
      )
      assert.deepEqual(store.listRules(), [
        { pattern: '*', principal: '*', access: 'read', createdMs: 2 },
        { pattern: 'team/*', principal: 'alice', access: 'none', createdMs: 3 },
      ])
      assert.equal(store.deleteRule('team/*', 'alice'), true)
      assert.equal(store.deleteRule('team/*', 'alice'), false)
      assert.equal(store.listRules().length, 1)
    })

    const withRestarts = (title: string, fn: (store: Store, restart: () => Store) => void) =>
      it(title, () => {
        let store = open()
        try {
          fn(store, () => (store = reopen(store)))
        } finally {
          store.close()
        }
      })

    withRestarts(
      'keeps shadows equal to past revisions while the document moves on',
      (first, restart) => {
        const view = (user: string, shadow: string, backupShadow: string, lastSeenMs = 1_000) =>
          sampleView(user, 'a', { shadow, backupShadow, lastSeenMs })
        first.commit({
          putDocuments: [sampleDocument('a', 'one', 1)],
          putViews: [view('u', 'one', 'one'), view('v', 'one', 'zero', 10)],
        })
        first.commit({
          putDocuments: [sampleDocument('a', 'two', 2)],
          putViews: [view('u', 'two', 'one')],
        })
        first.commit({
          putDocuments: [sampleDocument('a', 'three', 3)],
          putViews: [view('u', 'three', 'three')],
        })
        let store = restart()
        assert.deepEqual(store.listViews('a'), [
          view('u', 'three', 'three'),
          view('v', 'one', 'zero', 10),
        ])
        assert.equal(store.getDocument('a')?.text, 'three')
        // The document row goes, its views stay and keep their texts.
        store.commit({ deleteDocuments: ['a'] })
        store = restart()
        assert.deepEqual(store.listViews('a'), [
          view('u', 'three', 'three'),
          view('v', 'one', 'zero', 10),
        ])
        // A new document reuses revision 1 with another text: the old views keep the old one.
        store.commit({
          putDocuments: [sampleDocument('a', 'uno', 1)],
          putViews: [view('w', 'uno', 'one')],
        })
        store = restart()
        assert.deepEqual(store.listViews('a'), [
          view('u', 'three', 'three'),
          view('v', 'one', 'zero', 10),
          view('w', 'uno', 'one'),
        ])
        assert.deepEqual(store.expireViews(100), [{ user: 'v', file: 'a' }])
        store.commit({
          putDocuments: [sampleDocument('a', 'dos', 2)],
          putViews: [view('w', 'dos', 'uno')],
        })
        store = restart()
        assert.deepEqual(store.listViews('a'), [
          view('u', 'three', 'three'),
          view('w', 'dos', 'uno'),
        ])
        assert.deepEqual(store.getDocument('a'), sampleDocument('a', 'dos', 2))
        assert.deepEqual(store.stats(), { documents: 1, views: 2 })
      },
    )

    withRestarts('reads back after a restart what the last commits left', (first, restart) => {
      const doc = sampleDocument('b', awkwardTexts[3]!, 4)
      const views = [
        sampleView('u', 'b', { shadow: doc.text!, backupShadow: awkwardTexts[4]! }),
        sampleView('v', 'b', { shadow: doc.text!, backupShadow: doc.text!, meta: null }),
      ]
      first.commit({ putDocuments: [doc], putViews: views })
      // The same records again, then a view closed and another moved: nothing else changes.
      first.commit({ putDocuments: [doc], putViews: views })
      const moved = { ...views[1]!, lastSeenMs: 5_000, editStack: [] }
      first.commit({ deleteViews: [{ user: 'u', file: 'b' }], putViews: [moved] })
      const store = restart()
      assert.deepEqual(store.getDocument('b'), doc)
      assert.deepEqual(store.getViews([views[0]!, moved]), [moved])
      assert.deepEqual(store.listViewsOfUser('v'), [moved])
      assert.equal(store.deleteDocument('b'), true)
      assert.deepEqual(restart().listViews('b'), [])
    })

    it('refuses calls after close', () => {
      const store = open()
      store.close()
      assert.throws(() => store.getDocument('a'))
    })
  })
}
