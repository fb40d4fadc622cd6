// Runtime admin (issue 9) with the official CometD client: push off and on (clients poll with
// the advised interval meanwhile), run-time timeout, sessions, documents and ended documents,
// the token check, and `tandem admin` against the running server.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { Message } from 'cometd'
import { runAdminCli } from '../ops/admin-cli.ts'
import { type AuthClient, connect, type Transport } from './auth-cometd.ts'
import { waitFor } from './harness.ts'
import { adminToken, startOpsServer } from './ops-harness.ts'

const opts = { timeout: 20_000 }
type OpsServer = Awaited<ReturnType<typeof startOpsServer>>

async function join(s: OpsServer, transport: Transport) {
  const client = await connect(s.srv.bayeuxUrl, { transport })
  s.cleanup(() => client.disconnect())
  const connects: Message[] = []
  const notices: unknown[] = []
  client.cometd.addListener('/meta/connect', (m) => void connects.push(m))
  client.cometd.addListener('/service/mobwrite', (m) => void notices.push(m.data))
  return Object.assign(client, { connects, notices })
}

const lastAdvice = (c: { connects: Message[] }) => c.connects.at(-1)?.advice

async function openPad(alice: AuthClient, bob: AuthClient) {
  await alice.request('u:alice1\nF:0:pad\nr:1:hello\n\n')
  await bob.request('u:bob1\nF:0:pad\nr:1:hello\n\n')
  await waitFor(() => alice.pushes.some((files) => files.includes('pad')))
}

for (const transport of ['long-polling', 'websocket'] as const) {
  test(
    `${transport}: push off stops notices, polling goes on; push on resumes`,
    opts,
    async (t) => {
      const s = await startOpsServer(t, (c) => (c.ops.pollIntervalWithoutPushMs = 100))
      const alice = await join(s, transport)
      const bob = await join(s, transport)
      await openPad(alice, bob)

      const off = await s.admin('/push/deactivate', {})
      assert.equal((off.json as { isPushActive: boolean }).isPushActive, false)
      // The advice tells the client to poll: connects are answered at once, every 100 ms.
      await waitFor(() => lastAdvice(alice)?.interval === 100 && lastAdvice(alice)?.timeout === 0)
      const seen = alice.pushes.length
      await bob.request('u:bob1\nF:1:pad\nd:1:=5\t+ world\n\n')
      const polled = await alice.request('u:alice1\nF:1:pad\nd:1:=5\n\n')
      assert.match(polled, /\+ world/)
      // Two more connect round trips after the edit: a notice would have come by now.
      const after = alice.connects.length
      await waitFor(() => alice.connects.length >= after + 2)
      assert.equal(alice.pushes.length, seen, 'no push notice while push is off')

      await s.admin('/push/activate', {})
      // Held again for the configured timeout (alice and bob share a browser cookie here, so
      // the multiple-clients advice may set its own interval).
      await waitFor(() => lastAdvice(alice)?.timeout === 2_000)
      await bob.request('u:bob1\nF:2:pad\nd:2:=11\t+!\n\n')
      await waitFor(() => alice.pushes.length > seen)
    },
  )
}

test('admin is off without a token, and refuses a wrong one', opts, async (t) => {
  const off = await startOpsServer(t, (c) => (c.ops.adminToken = null))
  const res = await fetch(`${off.srv.url}/admin/status`)
  assert.equal(res.status, 404)
  assert.equal(((await res.json()) as { code: string }).code, 'ERR_ADMIN_UNAUTHORIZED')
  const on = await startOpsServer(t)
  for (const authorization of ['', 'Bearer wrong', `Bearer ${adminToken}x`, adminToken]) {
    const wrong = await fetch(`${on.srv.url}/admin/status`, { headers: { authorization } })
    assert.equal(wrong.status, 401, authorization)
  }
  assert.equal((await on.admin('/status')).status, 200)
  assert.equal((await on.admin('/settings', { timeoutMs: 'soon' })).status, 400)
  assert.equal((await on.admin('/settings', { timeoutMs: 999_999 })).status, 400)
})

test('timeout changes at run time; sessions are listed and closed', opts, async (t) => {
  const s = await startOpsServer(t)
  const alice = await join(s, 'long-polling')
  const set = await s.admin('/settings', { timeoutMs: 300, viewExpiryMs: 60_000 })
  assert.equal((set.json as { timeoutMs: number }).timeoutMs, 300)
  await waitFor(() => lastAdvice(alice)?.timeout === 300)
  const sessions = (await s.admin('/sessions')).json as Array<{ id: string; transport: string }>
  assert.ok(sessions.some((x) => x.id === alice.clientId && x.transport === 'long-polling'))
  const closed = await s.admin('/sessions/close', { id: alice.clientId })
  assert.deepEqual(closed, { status: 200, json: { closed: true } })
  assert.equal(s.srv.app.bayeux.getSession(alice.clientId), undefined)
  assert.equal((await s.admin('/sessions/close', { id: alice.clientId })).status, 404)
})

test('ending a document closes its views and tells its clients', opts, async (t) => {
  const s = await startOpsServer(t)
  const alice = await join(s, 'websocket')
  const bob = await join(s, 'long-polling')
  await openPad(alice, bob)
  const docs = (await s.admin('/documents')).json as Array<{ file: string; views: number }>
  assert.deepEqual(
    docs.map((d) => [d.file, d.views]),
    [['pad', 2]],
  )
  const ended = await s.admin('/documents/end', { file: 'pad' })
  assert.deepEqual(ended.json, { closedViews: 2, notifiedSessions: 2 })
  for (const client of [alice, bob]) {
    await waitFor(() => client.notices.some((n) => JSON.stringify(n) === '{"ended":"pad"}'))
  }
  assert.deepEqual(s.srv.app.sync?.listLiveViews('pad'), [])
  const next = await alice.request('u:alice1\nF:1:pad\nd:1:=5\n\n')
  assert.match(next, /^E:pad:ERR_DOC_ENDED/m)
  const status = (await s.admin('/status')).json as { endedDocuments: string[] }
  assert.deepEqual(status.endedDocuments, ['pad'])
})

test('tandem admin talks to the running server with the token', opts, async (t) => {
  const s = await startOpsServer(t)
  const lines: string[] = []
  const errors: string[] = []
  const io = { out: (l: string) => lines.push(l), err: (l: string) => errors.push(l), env: {} }
  const run = (...argv: string[]) =>
    runAdminCli(['--url', s.srv.url, '--token', adminToken, ...argv], io)
  assert.equal(await run('push', 'off'), 0)
  assert.equal(s.ops.controls.status().isPushActive, false)
  assert.equal(await run('push', 'on'), 0)
  assert.equal(await run('timeout', '500'), 0)
  assert.equal(s.ops.controls.status().timeoutMs, 500)
  assert.equal(await run('documents'), 0)
  assert.ok(lines.includes('No documents.'))
  assert.equal(await run('sessions'), 0)
  assert.equal(await run('push', 'sideways'), 2)
  assert.equal(await runAdminCli(['--url', s.srv.url, '--token', 'nope', 'status'], io), 1)
  assert.match(errors.at(-1) ?? '', /HTTP 401 ERR_ADMIN_UNAUTHORIZED/)
  assert.ok(!lines.concat(errors).join('\n').includes(adminToken), 'the token is never printed')
})
