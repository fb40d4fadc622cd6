// Caret push over Bayeux (two official CometD clients): a view's new `m:` metadata makes the
// other viewer sync at once (a `{"sync"}` notice) so its next answer carries the fresh `C:` line,
// throttled per file by `sync.metaPushIntervalMs`.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { connect } from './auth-cometd.ts'
import { startTestServer, waitFor } from './harness.ts'

const opts = { timeout: 15_000 }

async function twoViewers(t: { after: (fn: () => Promise<void> | void) => void }, ms: number) {
  const srv = await startTestServer({
    sync: {},
    configure: (c) => (c.sync.metaPushIntervalMs = ms),
  })
  const alice = await connect(srv.bayeuxUrl, { transport: 'websocket', name: 'Alice' })
  const bob = await connect(srv.bayeuxUrl, { transport: 'long-polling', name: 'Bob' })
  t.after(async () => {
    await Promise.all([alice.disconnect(), bob.disconnect()])
    await srv.close()
  })
  await alice.request('u:alice1\nm:{"head":0}\nF:0:pad\nr:1:hello\n\n')
  await bob.request('u:bob1\nF:0:pad\nr:1:hello\n\n')
  // Bob's arrival changed Alice's collaborator list: wait for that notice to pass.
  await waitFor(() => alice.pushes.length > 0)
  return { alice, bob }
}

test('a moved caret pushes the other viewer, whose answer has the new C: meta', opts, async (t) => {
  const { alice, bob } = await twoViewers(t, 250)
  const before = bob.pushes.length
  await alice.request('u:alice1\nm:{"head":3}\nF:1:pad\nd:1:=5\n\n')
  await waitFor(() => bob.pushes.length > before, { timeoutMs: 2_000 })
  assert.deepEqual(bob.pushes.at(-1), ['pad'])
  const answer = await bob.request('u:bob1\nF:1:pad\nd:1:=5\n\n')
  assert.match(answer, /^C:~Alice:127\.0\.0\.1:.*"head":3/m)
  // The same meta again is no change: no notice (a request of Bob's own proves time passed).
  const quiet = bob.pushes.length
  await alice.request('u:alice1\nm:{"head":3}\nF:1:pad\nd:1:=5\n\n')
  await bob.request('u:bob1\nF:1:pad\nd:1:=5\n\n')
  assert.equal(bob.pushes.length, quiet)
})

test('caret notices are throttled per file', opts, async (t) => {
  const { alice, bob } = await twoViewers(t, 400)
  const before = bob.pushes.length
  const own = alice.pushes.length
  const started = Date.now()
  for (let head = 1; head <= 5; head++) {
    await alice.request(`u:alice1\nm:{"head":${head}}\nF:1:pad\nd:1:=5\n\n`)
  }
  await waitFor(() => bob.pushes.length >= before + 2, { timeoutMs: 3_000 })
  // One notice at once, one at the end of the period, none for the moves in between.
  assert.ok(Date.now() - started >= 350, 'the second notice waited for the period')
  const answer = await bob.request('u:bob1\nF:1:pad\nd:1:=5\n\n')
  assert.match(answer, /"head":5/)
  assert.equal(bob.pushes.length, before + 2)
  assert.equal(alice.pushes.length, own, 'the only mover is not told of its own moves')
})

test('metaPushIntervalMs 0 switches caret push off', opts, async (t) => {
  const { alice, bob } = await twoViewers(t, 0)
  const before = bob.pushes.length
  await alice.request('u:alice1\nm:{"head":4}\nF:1:pad\nd:1:=5\n\n')
  const answer = await bob.request('u:bob1\nF:1:pad\nd:1:=5\n\n')
  assert.match(answer, /"head":4/)
  assert.equal(bob.pushes.length, before)
})
