// Limits per identity and per Bayeux session (issue 14 findings 3 and 5), against the server as
// `npm start` wires it: `u:` ids on /service/mobwrite follow the gateways' rules, and one
// address may hold at most sync.maxViewsPerIdentity views, however many requests it sends.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { defaultConfig } from '../config.ts'
import { bindMobwrite } from '../sync/service-bayeux.ts'
import type { BayeuxServer, ServerSession } from '../bayeux/types.ts'
import type { SyncService } from '../sync/service.ts'
import { createSyncService } from '../sync/service.ts'
import { connect } from './auth-cometd.ts'
import { postForm, xhrBody } from './gateway-clients.ts'
import { startDefaultServer } from './harness.ts'

const opts = { timeout: 60_000 }

async function start(t: { after(fn: () => Promise<void>): void }) {
  const srv = await startDefaultServer()
  t.after(() => srv.close())
  return srv
}

type Reply = { successful?: boolean; data?: { a?: string } }

test(
  'Bayeux: a u: id longer than gateway.maxUserIdChars is refused and changes nothing',
  opts,
  async (t) => {
    const srv = await start(t)
    const client = await connect(srv.bayeuxUrl, { transport: 'websocket', name: 'long' })
    t.after(() => client.disconnect())
    const max = defaultConfig.gateway.maxUserIdChars
    const call = (text: string) =>
      new Promise<Reply>((resolve) =>
        client.cometd.remoteCall('mobwrite', { q: text }, 5_000, (r) => resolve(r as Reply)),
      )
    const long = await call(`u:${'v'.repeat(max + 1)}\nF:0:long-id\nr:1:x\n\n`)
    assert.equal(long.successful, false)
    assert.match(long.data?.a ?? '', /^E:all:ERR_REQUEST_INVALID: A u: id is 129 characters long/)
    assert.equal(srv.tandem.app.sync!.readDocument('long-id'), undefined)
    assert.equal(
      await client.request(`u:${'v'.repeat(max)}\nF:0:long-id\nr:1:x\n\n`),
      'F:1:long-id\nd:0:=1\n',
    )
  },
)

test('Bayeux: one session uses at most sync.maxUserIdsPerSession u: ids', opts, async (t) => {
  const srv = await start(t)
  const client = await connect(srv.bayeuxUrl, { transport: 'websocket', name: 'many' })
  t.after(() => client.disconnect())
  const max = defaultConfig.sync.maxUserIdsPerSession
  assert.equal(max, 64)
  const ids = (from: number, n: number) =>
    Array.from({ length: n }, (_, i) => `u:id${from + i}\n`).join('') + '\n'
  assert.equal(await client.request(ids(0, max)), '')
  const over = await new Promise<Reply>((resolve) =>
    client.cometd.remoteCall(
      'mobwrite',
      { q: ids(max, 100) + 'u:id0\nF:0:ids\nr:1:no\n\n' },
      5_000,
      (r) => resolve(r as Reply),
    ),
  )
  assert.equal(over.successful, false)
  assert.match(
    over.data?.a ?? '',
    /^E:all:ERR_REQUEST_INVALID: A Bayeux session may use at most 64 u: ids/,
  )
  assert.equal(srv.tandem.app.sync!.readDocument('ids'), undefined)
  // Ids it already uses still work.
  assert.equal(await client.request('u:id0\nF:0:ids\nr:1:hi\n\n'), 'F:1:ids\nd:0:=2\n')
})

test("Bayeux: a session's u: ids are forgotten when the session ends", async () => {
  let handler: ((...args: unknown[]) => void) | undefined
  let removed: ((session: ServerSession) => void) | undefined
  const bayeux = {
    addService: (_: string, h: typeof handler) => ((handler = h), () => {}),
    on: (_: string, l: typeof removed) => ((removed = l), () => {}),
  } as unknown as BayeuxServer
  const service = { handle: async () => '', dropSession: () => {} } as unknown as SyncService
  bindMobwrite(bayeux, service, { userIds: { maxChars: 128, maxPerSession: 2 } })
  const session = {
    id: 's1',
    attributes: new Map(),
    handshakeExt: undefined,
    remoteAddress: '127.0.0.1',
  } as unknown as ServerSession
  const send = (q: string) =>
    new Promise<string>((resolve) => {
      const reply = () => resolve('ok')
      const fail = (data: { a: string }) => resolve(data.a)
      handler?.(session, { data: { q } }, reply, fail)
    })
  assert.equal(await send('u:a\nu:b\n\n'), 'ok')
  assert.match(await send('u:c\n\n'), /at most 2 u: ids/)
  removed?.(session)
  assert.equal(await send('u:c\nu:d\n\n'), 'ok', 'a new session under the same id starts afresh')
})

const openViews = (user: string, from: number, n: number) =>
  Array.from({ length: n }, (_, i) => `u:${user}\nF:0:quota-${from + i}\nr:1:x\n`).join('') + '\n'

test(
  'one address holds at most sync.maxViewsPerIdentity views over many requests',
  opts,
  async (t) => {
    const srv = await start(t)
    const sync = srv.tandem.app.sync!
    const q = srv.url + '/scripts/q.py'
    const max = defaultConfig.sync.maxViewsPerIdentity
    const perRequest = defaultConfig.sync.maxViewsPerRequest
    assert.equal(max, 1_000)
    let opened = 0
    for (; opened + perRequest <= max - 40; opened += perRequest) {
      const answer = (await postForm(q, xhrBody(openViews('quota', opened, perRequest)))).text
      assert.doesNotMatch(answer, /^E:/m)
    }
    // 40 more fit; the rest of this request is refused file by file and changes nothing.
    const answer = (await postForm(q, xhrBody(openViews('quota', opened, perRequest)))).text
    const refused = answer.match(/^E:quota-\d+:ERR_REQUEST_TOO_LARGE: .*maxViewsPerIdentity.*$/gm)
    assert.equal(refused?.length, perRequest - 40)
    assert.equal(sync.readDocument(`quota-${opened + 39}`)?.text, 'x')
    assert.equal(sync.readDocument(`quota-${opened + 40}`), undefined)
    assert.equal(srv.store.stats().views, max)
    // The views it holds keep working; another request opens nothing more.
    const kept = (await postForm(q, xhrBody('u:quota\nF:1:quota-0\nd:1:=1\t+y\n\n'))).text
    assert.equal(kept, 'F:2:quota-0\nd:1:=2\n\n')
    assert.match(
      (await postForm(q, xhrBody(openViews('other', 0, 1)))).text,
      /^E:quota-0:ERR_REQUEST_TOO_LARGE/,
    )

    // Closing views frees them.
    const closes = Array.from({ length: 10 }, (_, i) => `u:quota\nx:quota-${i}\n`).join('') + '\n'
    await postForm(q, xhrBody(closes))
    const after = (await postForm(q, xhrBody(openViews('again', 2_000, 11)))).text
    assert.equal(after.match(/^E:/gm)?.length, 1)

    // A restarted service counts the stored views.
    const restarted = createSyncService({ store: srv.store })
    t.after(async () => restarted.close())
    const owner = srv.store.listViewOwners()[0]?.owner ?? ''
    const ip = owner.slice('address:'.length)
    const identity = {
      principal: 'anonymous',
      isAnonymous: true,
      name: 'a',
      ip,
      handle: `~a:${ip}`,
      tokenId: null,
    }
    assert.match(
      await restarted.handle(openViews('late', 3_000, 1), identity),
      /^E:quota-3000:ERR_REQUEST_TOO_LARGE/,
    )

    // Expired views are freed too.
    sync.setViewExpiryMs(1)
    await new Promise((resolve) => setTimeout(resolve, 5))
    assert.equal(sync.sweep(), max)
    const fresh = (await postForm(q, xhrBody(openViews('fresh', 4_000, perRequest)))).text
    assert.doesNotMatch(fresh, /^E:/m)
  },
)
