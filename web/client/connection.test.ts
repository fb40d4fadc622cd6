// The browser connection's state machine (diagram in connection.ts) against a real server.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { adapt } from 'cometd-nodejs-client'
import { startAuthServer } from '../../server/test/auth-server.ts'
import { waitFor } from '../../server/test/harness.ts'
import { createConnection, readBayeuxError, type ConnectionState } from './connection.ts'

adapt()

function record(connection: ReturnType<typeof createConnection>): string[] {
  const seen: string[] = [connection.state]
  connection.onState((state: ConnectionState) => seen.push(state))
  return seen
}

test('start, connect, answer a call, close', { timeout: 10_000 }, async (t) => {
  const { srv } = await startAuthServer(t)
  const connection = createConnection({ server: srv.url, name: 'Ann' })
  const seen = record(connection)
  await assert.rejects(connection.call('u:abc\n\n', 1_000), /Not connected/)
  connection.start()
  await waitFor(() => connection.state === 'connected', { timeoutMs: 5_000 })
  const answer = await connection.call('u:abcdefgh\nF:0:notes\nr:1:hello\n\n', 5_000)
  assert.match(answer, /^F:1:notes\n/)
  await connection.close()
  assert.deepEqual(seen, ['unconnected', 'connecting', 'connected', 'unconnected'])
})

test(
  'a refused handshake ends in Disconnected with the server reason',
  { timeout: 10_000 },
  async (t) => {
    const { srv } = await startAuthServer(t)
    const connection = createConnection({ server: srv.url, token: 'wrong' })
    const reasons: string[] = []
    connection.onState((state, reason) => reasons.push(`${state}: ${reason}`))
    connection.start()
    await waitFor(() => connection.state === 'disconnected', { timeoutMs: 5_000 })
    assert.match(reasons.at(-1) ?? '', /^disconnected: handshake denied: .*token/i)
    await connection.close()
    assert.equal(connection.state, 'unconnected')
  },
)

test(
  'the server closing the session moves Connected to Disconnected, then back',
  { timeout: 15_000 },
  async (t) => {
    const { srv } = await startAuthServer(t)
    const connection = createConnection({ server: srv.url, name: 'Ben' })
    t.after(() => connection.close())
    const seen = record(connection)
    connection.start()
    await waitFor(() => connection.state === 'connected', { timeoutMs: 5_000 })
    // Forget every session: the next connect gets 402 and CometD handshakes again.
    for (const session of [...srv.app.bayeux.sessions()]) srv.app.bayeux.dropSession(session.id)
    await waitFor(() => seen.includes('disconnected') && connection.state === 'connected', {
      timeoutMs: 10_000,
    })
    assert.deepEqual(seen.slice(0, 3), ['unconnected', 'connecting', 'connected'])
  },
)

test('readBayeuxError keeps the message of a Bayeux error string', () => {
  assert.equal(readBayeuxError('403::Handshake denied'), 'Handshake denied')
  assert.equal(readBayeuxError('402:clientId:Unknown client'), 'Unknown client')
  assert.equal(readBayeuxError('odd'), 'odd')
})
