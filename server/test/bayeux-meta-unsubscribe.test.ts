// /meta/unsubscribe: whole replies with the echoed subscription and error strings
// (bayeux-notes §1.6.5); after it, deliveries stop.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { RawHttp } from './bayeux-raw.ts'
import { startTestServer } from './harness.ts'

test(
  'unsubscribe: replies, errors, idempotence, and no more deliveries',
  { timeout: 10_000 },
  async (t) => {
    const srv = await startTestServer({ bayeux: { timeoutMs: 200 } })
    t.after(() => srv.close())
    const http = new RawHttp(srv)
    const clientId = await http.connected()
    const send = async (channel: string, subscription: unknown, id = '1') =>
      (await http.post('/', [{ id, channel, clientId, subscription }])).body
    const reply = (subscription: unknown, extra: object = { successful: true }) => [
      { id: '1', channel: '/meta/unsubscribe', subscription, ...extra },
    ]
    await send('/meta/subscribe', ['/news', '/doc/*'])
    assert.deepEqual(await send('/meta/unsubscribe', '/news'), reply('/news'))
    assert.deepEqual(await send('/meta/unsubscribe', '/news'), reply('/news'), 'twice is fine')
    assert.deepEqual(await send('/meta/unsubscribe', ['/doc/*']), reply(['/doc/*']))
    assert.deepEqual([...(srv.app.bayeux.getSession(clientId)?.subscriptions ?? [])], [])

    assert.deepEqual(await send('/meta/unsubscribe', undefined), [
      {
        id: '1',
        channel: '/meta/unsubscribe',
        successful: false,
        error: '403::subscription_missing',
      },
    ])
    assert.deepEqual(
      await send('/meta/unsubscribe', 'nope'),
      reply('nope', { successful: false, error: '403::subscription_invalid' }),
    )
    const stranger = await new RawHttp(srv).post('/', [
      { id: '1', channel: '/meta/unsubscribe', clientId, subscription: '/news' },
    ])
    assert.deepEqual(
      stranger.body,
      reply('/news', { successful: false, error: '402::Unknown client' }),
    )

    srv.app.bayeux.publish('/news', 'gone')
    const poll = await http.post('/connect', [
      { id: '2', channel: '/meta/connect', clientId, connectionType: 'long-polling' },
    ])
    assert.deepEqual(
      poll.body?.map((m) => m.channel),
      ['/meta/connect'],
    )
  },
)
