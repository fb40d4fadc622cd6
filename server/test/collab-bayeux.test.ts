// Collaborator lists (`C:`) on the Bayeux paths with the official CometD client: they appear as
// views open, and disappear when a view closes (`x:`) or idles out; the other viewers get a push
// notice each time, so their lists update without waiting for a poll.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { issueToken } from '../auth/tokens.ts'
import { connect, type AuthClient, type Transport } from './auth-cometd.ts'
import { startAuthServer } from './auth-server.ts'
import { waitFor } from './harness.ts'
import { collaboratorId } from '../sync/engine-collaborators.ts'

const transports: Transport[] = ['websocket', 'long-polling']
const opts = { timeout: 20_000 }

const collaborators = (answer: string) => answer.split('\n').filter((line) => line.startsWith('C:'))

/** Resolves once `client` has received a push notice naming `file` after `seen` notices. */
function pushedAfter(client: AuthClient, seen: number, file: string) {
  return waitFor(() => client.pushes.slice(seen).some((files) => files.includes(file)))
}

async function people(
  t: Parameters<typeof startAuthServer>[0],
  transport: Transport,
  now?: () => number,
) {
  const s = await startAuthServer(t, {
    ...(now ? { now } : {}),
    sync: { viewExpiryMs: 60_000, sweepIntervalMs: 20 },
  })
  const join = async (name: string) => {
    const client = await connect(s.srv.bayeuxUrl, {
      transport,
      token: issueToken(s.store, name).token,
    })
    t.after(() => client.disconnect())
    return client
  }
  return { ...s, alice: await join('alice'), bob: await join('bob'), carol: await join('carol') }
}

for (const transport of transports) {
  test(
    `${transport}: C: lists appear as views open, with m: metadata, and others are told`,
    opts,
    async (t) => {
      const s = await people(t, transport)
      const first = await s.alice.request('u:alice1\nF:0:pad\nr:1:hello\n\n')
      assert.deepEqual(collaborators(first), [])
      const seen = s.alice.pushes.length
      const bobs = await s.bob.request('u:bob1\nm:{"cursor":3}\nF:0:pad\nr:1:hello\n\n')
      assert.deepEqual(collaborators(bobs), [
        `C:alice:127.0.0.1:{"id":"${collaboratorId('alice1', 'pad')}"}`,
      ])
      await pushedAfter(s.alice, seen, 'pad')
      const again = await s.alice.request('u:alice1\nF:1:pad\nd:1:=5\n\n')
      assert.deepEqual(collaborators(again), [
        `C:bob:127.0.0.1:{"cursor":3,"id":"${collaboratorId('bob1', 'pad')}"}`,
      ])
      // A list the client already has (it acknowledged that answer) is not repeated.
      assert.deepEqual(collaborators(await s.alice.request('u:alice1\nF:2:pad\nd:2:=5\n\n')), [])
    },
  )

  test(
    `${transport}: x:/X: close a view and drop it from the others' lists at once`,
    opts,
    async (t) => {
      const s = await people(t, transport)
      await s.alice.request('u:alice1\nF:0:pad\nr:1:hello\n\n')
      await s.bob.request('u:bob1\nF:0:pad\nr:1:hello\n\n')
      await s.carol.request('u:carol1\nF:0:pad\nr:1:hello\n\n')
      const before = collaborators(await s.alice.request('u:alice1\nF:1:pad\nd:1:=5\n\n'))
      assert.equal(before.length, 2)
      const seen = s.alice.pushes.length
      assert.equal(await s.bob.request('u:bob1\nX:pad\n\n'), '', 'X: closes like x:')
      await pushedAfter(s.alice, seen, 'pad')
      const after = await s.alice.request('u:alice1\nF:2:pad\nd:2:=5\n\n')
      assert.deepEqual(collaborators(after), [
        `C:carol:127.0.0.1:{"id":"${collaboratorId('carol1', 'pad')}"}`,
      ])
      // x:all closes every view of a user id.
      await s.carol.request('u:carol1\nF:0:other\nr:1:x\n\n')
      await s.carol.request('u:carol1\nx:all\n\n')
      // An empty list is sent as a bare C: (no C: line at all means "unchanged").
      assert.deepEqual(collaborators(await s.alice.request('u:alice1\nF:3:pad\nd:3:=5\n\n')), [
        'C:',
      ])
      assert.deepEqual(s.sync.listLiveViews('other'), [])
    },
  )

  test(
    `${transport}: an idle view drops out after the expiry and the others are told`,
    opts,
    async (t) => {
      let nowMs = 1_000_000
      const s = await people(t, transport, () => nowMs)
      await s.carol.request('u:carol1\nF:0:pad\nr:1:hello\n\n')
      nowMs += 30_000
      const mid = await s.alice.request('u:alice1\nF:0:pad\nr:1:hello\n\n')
      assert.deepEqual(collaborators(mid), [
        `C:carol:127.0.0.1:{"id":"${collaboratorId('carol1', 'pad')}"}`,
      ])
      const seen = s.alice.pushes.length
      // carol is now idle for 61 s (> viewExpiryMs), alice for 31 s: only carol's view expires.
      nowMs += 31_000
      await pushedAfter(s.alice, seen, 'pad')
      assert.deepEqual(
        s.sync.listLiveViews('pad').map((v) => v.user),
        ['alice1'],
      )
      assert.deepEqual(collaborators(await s.alice.request('u:alice1\nF:1:pad\nd:1:=5\n\n')), [
        'C:',
      ])
    },
  )
}
