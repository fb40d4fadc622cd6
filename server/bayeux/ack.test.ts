// The ack extension's bookkeeping (bayeux-notes §3.1): numbering, acknowledging, re-sending.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { acknowledge, closeBatch, createAckState, wantsAck } from './ack.ts'

test('negotiation accepts boolean true and the book\'s "true" only', () => {
  assert.equal(wantsAck({ ack: true }), true)
  assert.equal(wantsAck({ ack: 'true' }), true)
  for (const ext of [undefined, {}, { ack: false }, { ack: 1 }, { ack: 'yes' }])
    assert.equal(wantsAck(ext), false)
})

test('batches start at 1; unacknowledged messages are re-sent until a later ack', () => {
  const state = createAckState()
  const a = { channel: '/m', data: 'a' }
  const b = { channel: '/m', data: 'b' }
  assert.deepEqual(closeBatch(state, []), { batch: 1, messages: [] })
  assert.deepEqual(closeBatch(state, [a]), { batch: 2, messages: [a] })
  acknowledge(state, 1)
  assert.deepEqual(closeBatch(state, [b]), { batch: 3, messages: [a, b] })
  acknowledge(state, 2)
  assert.deepEqual(closeBatch(state, []), { batch: 4, messages: [b] })
  acknowledge(state, 'bogus')
  acknowledge(state, 3)
  assert.deepEqual(state.unacked, [])
})
