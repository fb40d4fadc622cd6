// The sync service on a real server (port 0, SQLite) with the official CometD client: the
// /service/mobwrite binding (remote call and publish), commit-before-answer, change events,
// push to other viewers, resuming a view after a re-handshake, and the server-side API.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startTestServer, waitFor, type TestServer } from './harness.ts'
import { connect, type AuthClient, type Transport } from './auth-cometd.ts'
import { createSimClient, type SimClient } from './sync-sim.ts'

async function setup(t: { after: (fn: () => unknown) => void }): Promise<TestServer> {
  const srv = await startTestServer({
    bayeux: { timeoutMs: 2_000, maxSessionsPerBrowser: 100 },
    sync: {},
    configure: (c) => void (c.sync = { ...c.sync, pushDebounceMs: 5 }),
  })
  t.after(() => srv.close())
  return srv
}

function sync(srv: TestServer) {
  assert.ok(srv.app.sync, 'the app serves MobWrite')
  return srv.app.sync
}

async function client(
  srv: TestServer,
  t: { after: (fn: () => unknown) => void },
  name: string,
  transport: Transport = 'websocket',
) {
  const conn = await connect(srv.bayeuxUrl, { transport, name })
  t.after(() => conn.disconnect())
  return conn
}

function sim(conn: AuthClient, user: string, file: string): SimClient {
  return createSimClient(user, file, (request, timeoutMs) => conn.request(request, timeoutMs))
}

test(
  'answers a remote call after committing, and emits the change',
  { timeout: 20_000 },
  async (t) => {
    const srv = await setup(t)
    const changes: unknown[] = []
    sync(srv).on('change', (change) => changes.push(change))
    const conn = await client(srv, t, 'Ann')
    const answer = await conn.request('u:ann\nF:0:notes\nr:1:Hello world\n\n')
    assert.equal(answer, 'F:1:notes\nd:0:=11\n')
    assert.equal(sync(srv).readDocument('notes')?.text, 'Hello world')
    assert.deepEqual(changes, [
      { file: 'notes', revision: 1, author: '~Ann:127.0.0.1', isDeleted: false },
    ])
    assert.deepEqual(
      sync(srv)
        .listLiveViews('notes')
        .map((v) => [v.user, v.handle, v.isConnected]),
      [['ann', '~Ann:127.0.0.1', true]],
    )
  },
)

test('answers a plain publish with {a} to the same session', { timeout: 20_000 }, async (t) => {
  const srv = await setup(t)
  const conn = await client(srv, t, 'Bea')
  const answer = new Promise<unknown>((resolve) =>
    conn.cometd.addListener('/service/mobwrite', (m) => resolve(m.data)),
  )
  conn.cometd.publish('/service/mobwrite', { q: 'u:bea\nF:0:pub\nr:1:abc\n\n' })
  assert.deepEqual(await answer, { a: 'F:1:pub\nd:0:=3\n' })
})

test('refuses a payload without q with a clear error', { timeout: 20_000 }, async (t) => {
  const srv = await setup(t)
  const conn = await client(srv, t, 'Cy')
  const reply = await new Promise<{ successful?: boolean; data?: unknown }>((resolve) =>
    conn.cometd.remoteCall('mobwrite', { text: 'u:x' }, 5_000, resolve),
  )
  assert.equal(reply.successful, false)
  assert.deepEqual(reply.data, {
    code: 'ERR_REQUEST_INVALID',
    message: 'Expected data {"q": "<MobWrite request>"} on /service/mobwrite',
    isRecoverable: false,
    // For clients that read only {a} (a plain publish): the same refusal as an E: answer.
    a: 'E:all:ERR_REQUEST_INVALID: Expected data {"q": "<MobWrite request>"} on /service/mobwrite\n',
  })
})

for (const transport of ['websocket', 'long-polling'] as const) {
  test(
    `${transport}: pushes a change to other viewers, not to the author`,
    { timeout: 20_000 },
    async (t) => {
      const srv = await setup(t)
      // One after the other, as tabs open: concurrent handshakes would race for the shared
      // test cookie jar's BAYEUX_BROWSER cookie.
      const [a, b, c] = [
        await client(srv, t, 'A', transport),
        await client(srv, t, 'B', transport),
        await client(srv, t, 'C', transport),
      ]
      const [simA, simB] = [sim(a!, 'ua', 'pushed'), sim(b!, 'ub', 'pushed')]
      await simA.sync()
      await simB.sync()
      await sim(c!, 'uc', 'elsewhere').sync()
      // Opening views also pushes (collaborator lists); count only what A's edit causes.
      await waitFor(() => a!.pushes.length === 1, { timeoutMs: 5_000 })
      const before = [a!.pushes.length, b!.pushes.length, c!.pushes.length]
      simA.insert(Math.random)
      await simA.sync()
      await waitFor(() => b!.pushes.length > before[1]!, { timeoutMs: 5_000 })
      assert.deepEqual(b!.pushes.slice(before[1]), [['pushed']])
      // B syncs because of the push alone, and gets A's token.
      await simB.sync()
      assert.equal(simB.text, simA.text)
      assert.equal(a!.pushes.length, before[0], 'the author gets no push')
      assert.deepEqual(c!.pushes, [], 'a viewer of another file gets no push')
    },
  )
}

test(
  'a client that handshakes again resumes its view without a resend',
  { timeout: 20_000 },
  async (t) => {
    const srv = await setup(t)
    const conn = await client(srv, t, 'Dee')
    const dee = sim(conn, 'dee', 'resume')
    await dee.sync()
    dee.insert(Math.random)
    await dee.sync()
    // The server forgets the session (as after a restart); CometD handshakes again by itself.
    srv.app.bayeux.dropSession(conn.clientId)
    dee.insert(Math.random)
    await waitFor(() => dee.sync(), { timeoutMs: 10_000 })
    assert.equal(sync(srv).readDocument('resume')?.text, dee.text)
    assert.equal(dee.stats.serverResyncs, 0)
    assert.equal(dee.acked.size, 2)
  },
)

test('closes views, deletes documents and sweeps idle views', { timeout: 20_000 }, async (t) => {
  const srv = await setup(t)
  const conn = await client(srv, t, 'Eve')
  for (const [user, file] of [
    ['e1', 'x'],
    ['e2', 'x'],
    ['e3', 'y'],
  ] as const) {
    await sim(conn, user, file).sync()
  }
  assert.equal(await sync(srv).closeView('e1', 'x'), true)
  assert.equal(await sync(srv).closeView('e1', 'x'), false)
  assert.deepEqual(
    sync(srv)
      .listLiveViews('x')
      .map((v) => v.user),
    ['e2'],
  )
  assert.equal(await sync(srv).closeViews('x'), 1)
  assert.equal(sync(srv).sweep(), 0)
  assert.deepEqual(
    sync(srv)
      .listDocuments()
      .map((d) => d.file),
    ['x', 'y'],
  )
  assert.equal(await sync(srv).deleteDocument('y'), true)
  assert.equal(sync(srv).readDocument('y'), undefined)
  assert.deepEqual(sync(srv).listLiveViews('y'), [])
})
