// The message codec: envelopes, field types and the exact error strings (bayeux-notes §1.2).

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { decodeEnvelope, decodeMessage, ProtocolError } from './codec.ts'

test('envelopes: an array, or a single object wrapped', () => {
  assert.deepEqual(decodeEnvelope([{ channel: '/a' }]), [{ channel: '/a' }])
  assert.deepEqual(decodeEnvelope({ channel: '/a' }), [{ channel: '/a' }])
  for (const bad of [null, 1, 'x', true]) assert.throws(() => decodeEnvelope(bad), ProtocolError)
})

test('a message keeps the fields it knows, with their types checked', () => {
  const raw = {
    channel: '/meta/handshake',
    id: '1',
    version: '1.0',
    supportedConnectionTypes: ['websocket'],
    advice: { timeout: 0, interval: 0, reconnect: 'ignored' },
    ext: { ack: true },
    unknown: 'dropped',
  }
  assert.deepEqual(decodeMessage(raw), {
    message: {
      channel: '/meta/handshake',
      id: '1',
      version: '1.0',
      supportedConnectionTypes: ['websocket'],
      advice: { timeout: 0, interval: 0 },
      ext: { ack: true },
    },
  })
  assert.deepEqual(decodeMessage({ channel: '/a', data: undefined }), {
    message: { channel: '/a', data: undefined },
  })
})

test('errors name what is wrong and echo what is safe', () => {
  assert.deepEqual(decodeMessage(7), { failure: { error: '400::message_invalid' } })
  assert.deepEqual(decodeMessage({}), { failure: { error: '400::channel_missing' } })
  assert.deepEqual(decodeMessage({ channel: 'x', id: '2' }), {
    failure: { error: '405::channel_invalid', channel: 'x', id: '2' },
  })
  assert.deepEqual(decodeMessage({ channel: '/a', id: 'has space' }), {
    failure: { error: '405::message_id_invalid', channel: '/a' },
  })
  assert.deepEqual(decodeMessage({ channel: '/a', id: 3 }), {
    failure: { error: '405::message_id_invalid', channel: '/a' },
  })
  for (const field of [
    { clientId: 1 },
    { ext: 'x' },
    { ext: [] },
    { advice: { timeout: '1' } },
    { supportedConnectionTypes: 'ws' },
  ]) {
    assert.deepEqual(
      decodeMessage({ channel: '/a', id: '4', ...field }),
      { failure: { error: '400::field_invalid', channel: '/a', id: '4' } },
      JSON.stringify(field),
    )
  }
  assert.deepEqual(decodeMessage({ channel: '/a', subscription: 5 }), {
    message: { channel: '/a', subscription: [] },
  })
})
