// The session state machine (diagram in session.ts): allowed moves, refused moves, ids.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ErrorCode, SyncError } from '../../shared/errors.ts'
import { createClientId, SessionImpl, type SessionHost, SessionState } from './session.ts'

const host: SessionHost = { deliverTo() {}, disconnectSession() {} }
const create = () => new SessionImpl(host, '127.0.0.1', undefined, 'browser', 1_000)

test('the lifecycle: handshaken → connected ⇄ polling → removed', () => {
  const session = create()
  assert.equal(session.state, SessionState.Handshaken)
  session.setState(SessionState.Connected, 'first connect')
  session.setState(SessionState.Polling, 'held')
  session.setState(SessionState.Connected, 'answered')
  session.setState(SessionState.Connected, 'same state is a no-op')
  session.setState(SessionState.Removed, 'disconnect')
  assert.equal(session.isConnected, false)
})

test('moves the diagram does not allow raise ERR_SESSION_STATE_INVALID', () => {
  const refused: Array<[SessionState[], SessionState]> = [
    [[], SessionState.Polling],
    [[SessionState.Removed], SessionState.Connected],
    [[SessionState.Removed], SessionState.Handshaken],
    [[SessionState.Connected], SessionState.Handshaken],
  ]
  for (const [path, next] of refused) {
    const session = create()
    for (const step of path) session.setState(step, 'setup')
    assert.throws(
      () => session.setState(next, 'test'),
      (err: unknown) =>
        err instanceof SyncError &&
        err.code === ErrorCode.ERR_SESSION_STATE_INVALID &&
        err.message.includes(`-> ${next}`),
    )
  }
})

test('client ids are long, random and unique', () => {
  const ids = new Set(Array.from({ length: 1_000 }, () => createClientId()))
  assert.equal(ids.size, 1_000)
  for (const id of ids) assert.match(id, /^[0-9a-z]{20,}$/)
})

test('the expiry clock starts at the handshake; deliveries drain in order', () => {
  const before = Date.now()
  const session = create()
  assert.ok(session.expiresAt >= before + 1_000 && session.expiresAt <= Date.now() + 1_000)
  session.queue.push({ channel: '/a', data: 1 }, { channel: '/b', data: 2 })
  assert.deepEqual(session.drain(), [
    { channel: '/a', data: 1 },
    { channel: '/b', data: 2 },
  ])
  assert.deepEqual(session.drain(), [])
})
