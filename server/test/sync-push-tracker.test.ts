// The push bookkeeping: notices go to other sessions with a view of the changed file, are
// batched per session, follow a view to the newest session that used it, and never reach the
// author.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createPushTracker } from '../sync/service-push.ts'
import { waitFor } from './harness.ts'

function tracker() {
  const sent: [string, string[]][] = []
  const push = createPushTracker({ deliver: (s, files) => sent.push([s, files]), debounceMs: 5 })
  return { push, sent }
}

test('notifies other viewers once per batch, never the author', { timeout: 5_000 }, async (t) => {
  const { push, sent } = tracker()
  t.after(() => push.close())
  push.bindViews('s1', [{ user: 'alice', file: 'a' }])
  push.bindViews('s2', [
    { user: 'bob', file: 'a' },
    { user: 'bob', file: 'b' },
  ])
  push.bindViews('s3', [{ user: 'carol', file: 'c' }])
  push.trackViews(
    [
      { user: 'alice', file: 'a' },
      { user: 'bob', file: 'a' },
      { user: 'bob', file: 'b' },
      { user: 'carol', file: 'c' },
    ],
    [],
  )
  push.notify(['a'], { sessionId: 's1', users: new Set(['alice']) })
  push.notify(['b', 'c'], { sessionId: 's1', users: new Set(['alice']) })
  await waitFor(() => sent.length === 2, { timeoutMs: 2_000 })
  assert.deepEqual(
    sent.sort(([x], [y]) => x.localeCompare(y)),
    [
      ['s2', ['a', 'b']],
      ['s3', ['c']],
    ],
  )
})

test(
  'a view follows the newest session that used it; dropped sessions get nothing',
  { timeout: 5_000 },
  async (t) => {
    const { push, sent } = tracker()
    t.after(() => push.close())
    push.bindViews('old', [{ user: 'bob', file: 'a' }])
    push.bindViews('new', [{ user: 'bob', file: 'a' }])
    push.bindViews('gone', [{ user: 'dave', file: 'a' }])
    push.trackViews(
      [
        { user: 'bob', file: 'a' },
        { user: 'dave', file: 'a' },
        { user: 'erin', file: 'a' },
      ],
      [],
    )
    push.dropSession('gone')
    assert.deepEqual(
      [...push.viewers('a')],
      [
        ['bob', 'new'],
        ['dave', undefined],
        ['erin', undefined],
      ],
    )
    push.notify(['a'], { sessionId: undefined, users: new Set(['erin']) })
    await waitFor(() => sent.length > 0, { timeoutMs: 2_000 })
    assert.deepEqual(sent, [['new', ['a']]])
    push.trackViews([], [{ user: 'bob', file: 'a' }])
    push.notify(['a'], { sessionId: undefined, users: new Set() })
    assert.deepEqual([...push.viewers('a').keys()], ['dave', 'erin'])
  },
)
