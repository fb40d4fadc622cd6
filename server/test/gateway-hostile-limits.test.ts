// Hostile clients on the raw MobWrite gateways (issue 14, findings 2, 5 and 10), against the
// default configuration: unfinished `b:` buffers are budgeted per address and counted as
// requests, idle TCP connections cannot fill the slots, a `/mobwrite` socket cannot bind
// unbounded `u:` ids, `u:` ids have a length limit, and JSONP is off.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { connect, type AddressInfo, type Socket } from 'node:net'
import { once } from 'node:events'
import { WebSocket } from 'ws'
import { defaultConfig } from '../config.ts'
import { createGatewayBuffers } from '../../shared/mobwrite/buffers.ts'
import { SyncError } from '../../shared/errors.ts'
import { createGatewayCore } from '../gateway/core.ts'
import { startDefaultServer, type DefaultServer } from './harness.ts'
import { get, jsonpQuery, postForm, runJsonp, xhrBody } from './gateway-clients.ts'

const opts = { timeout: 20_000 }

async function start(t: { after(fn: () => Promise<void>): void }, tcp = false) {
  const srv = await startDefaultServer((c) => {
    if (tcp) c.gateway.tcpPort = 0
  })
  t.after(() => srv.close())
  return srv
}

async function listenTcp(srv: DefaultServer): Promise<number> {
  const server = srv.tandem.gateways.tcp!.server
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return (server.address() as AddressInfo).port
}

test(
  'unfinished b: buffers are budgeted per address, whatever the display name',
  opts,
  async (t) => {
    const srv = await start(t)
    const { buffers } = srv.tandem.gateways
    const perAddress = defaultConfig.gateway.maxBufferedCharsPerGroup ?? 8 * 1_048_576
    assert.ok(perAddress <= 8 * 1_048_576, 'at most 8 MiB per address by default')
    assert.ok(defaultConfig.gateway.bufferExpiryMs <= 60_000, 'incomplete buffers expire fast')
    const chunk = 'a'.repeat(1_000_000)
    const answers: string[] = []
    // A new id (and a new display name) each time, as in the audit; every one stays incomplete.
    for (let i = 0; i < 10; i++) {
      const body = xhrBody(`b:x${i} 2 1 ${chunk}\n\n`) + `&name=n${i}`
      answers.push((await postForm(srv.url + '/scripts/q.py', body)).text)
    }
    assert.deepEqual(answers.slice(0, 8), Array(8).fill('\n'), 'fragments within the budget')
    for (const answer of answers.slice(8)) {
      assert.match(
        answer,
        /^E:all:Unfinished b: buffers of one token or address would hold more than/,
      )
    }
    assert.ok(buffers.chars <= perAddress, `${buffers.chars} characters held`)
    // A normal request from the same address still runs.
    const ok = await postForm(srv.url + '/scripts/q.py', xhrBody('u:ok\nF:0:fine\nr:1:hi\n\n'))
    assert.equal(ok.text, 'F:1:fine\nd:0:=2\n\n')
  },
)

test('each b: fragment is a request for its address`s rate limit', async () => {
  let checks = 0
  const core = createGatewayCore({
    sync: { handle: async () => 'F:1:x\n' },
    buffers: createGatewayBuffers(defaultConfig.gateway),
    rateLimit: () => (++checks > 2 ? new SyncError('ERR_RATE_LIMITED', 'slow down') : undefined),
  })
  const identity = {
    principal: 'anonymous',
    isAnonymous: true,
    name: 'a',
    ip: '10.0.0.1',
    handle: '~a:10.0.0.1',
    tokenId: null,
  }
  assert.equal(await core.answer('b:f1 3 1 u%3Aa%0A\n\n', identity), '')
  assert.equal(await core.answer('b:f2 3 1 u%3Aa%0A\n\n', identity), '')
  assert.equal(
    await core.answer('b:f3 3 1 u%3Aa%0A\n\n', identity),
    'E:all:ERR_RATE_LIMITED: slow down\n',
  )
  assert.equal(checks, 3)
})

function openIdle(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket))
    socket.on('error', reject)
  })
}

test('idle TCP connections are closed fast and capped per address', opts, async (t) => {
  const srv = await start(t, true)
  const port = await listenTcp(srv)
  // (`??`: the suggested default, so that the test shows today's behaviour before the option.)
  const cap = defaultConfig.gateway.tcpMaxConnectionsPerAddress ?? 64
  assert.ok(cap > 0 && cap < defaultConfig.gateway.tcpMaxConnections)
  const sockets = await Promise.all(Array.from({ length: cap + 1 }, () => openIdle(port)))
  t.after(() => sockets.forEach((s) => s.destroy()))
  const closed = sockets.map((s) => once(s, 'close').then(() => Date.now()))
  const started = Date.now()
  // The one past the cap is closed at once, the others when idle for tcpIdleTimeoutMs.
  const first = await Promise.race(closed.map((p, i) => p.then(() => i)))
  assert.equal(first, cap, 'the connection past the per-address cap went first')
  const times = await Promise.all(closed)
  const idleMs = defaultConfig.gateway.tcpIdleTimeoutMs ?? 2_000
  assert.ok(idleMs < defaultConfig.gateway.tcpReadTimeoutMs)
  assert.ok(Math.max(...times) - started < idleMs + 2_000, 'idle connections were closed')
})

function wsExchange(ws: WebSocket, text: string): Promise<string> {
  return new Promise((resolve) => {
    ws.once('message', (data) => resolve(String(data)))
    ws.send(text)
  })
}

test('a /mobwrite socket binds a bounded number of u: ids', opts, async (t) => {
  const srv = await start(t)
  const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/mobwrite`)
  t.after(() => ws.close())
  await once(ws, 'open')
  const max = defaultConfig.gateway.wsMaxUserIdsPerSocket ?? 64
  const names = (from: number, n: number) =>
    Array.from({ length: n }, (_, i) => `u:id${from + i}\n`).join('')
  assert.equal(await wsExchange(ws, names(0, max)), '')
  const over = await wsExchange(ws, names(max, 1000))
  assert.match(over, /^E:all:ERR_REQUEST_INVALID: A \/mobwrite socket may use at most/)
  // Ids it already uses still work.
  assert.equal(await wsExchange(ws, 'u:id0\nF:0:ws-ids\nr:1:hi\n'), 'F:1:ws-ids\nd:0:=2\n')
})

test('u: ids longer than gateway.maxUserIdChars are refused before anything runs', async (t) => {
  const srv = await start(t)
  const max = defaultConfig.gateway.maxUserIdChars ?? 128
  assert.ok(max <= 128)
  const q = srv.url + '/scripts/q.py'
  const long = await postForm(q, xhrBody(`u:${'v'.repeat(max + 1)}\nF:0:long-id\nr:1:x\n\n`))
  assert.match(long.text, /^E:all:ERR_REQUEST_INVALID: A u: id is 129 characters long/)
  assert.equal(srv.app.sync!.readDocument('long-id'), undefined)
  const fits = await postForm(q, xhrBody(`u:${'v'.repeat(max)}\nF:0:long-id\nr:1:x\n\n`))
  assert.equal(fits.text, 'F:1:long-id\nd:0:=1\n\n')
})

test('JSONP is off by default: a foreign <script> neither writes nor reads', async (t) => {
  const srv = await start(t)
  const q = srv.url + '/scripts/q.py'
  await postForm(q, xhrBody('u:owner\nF:0:private\nr:1:secret text\n\n'))
  // What a <script src> on any page sends: a GET without Origin.
  const write = await get(q + jsonpQuery('u:evil\nF:0:defaced\nr:1:pwned\n\n'))
  assert.match(runJsonp(write.text), /^E:all:JSONP and GET requests are off/)
  assert.equal(srv.app.sync!.readDocument('defaced'), undefined)
  const read = runJsonp((await get(q + jsonpQuery('u:evil\nF:0:private\nr:1:\n\n'))).text)
  assert.doesNotMatch(read, /secret/)
  // A GET q= (an <img>) does not run either, nor a POST p=.
  await get(q + '?q=' + encodeURIComponent('u:evil\nF:0:defaced\nr:1:pwned\n\n'))
  await postForm(q, 'p=' + encodeURIComponent('u:evil\nF:0:defaced\nr:1:pwned\n\n'))
  assert.equal(srv.app.sync!.readDocument('defaced'), undefined)
})

test('look-alike document names are refused, not separate documents', async (t) => {
  const srv = await start(t)
  const q = srv.url + '/scripts/q.py'
  await postForm(q, xhrBody('u:own1\nF:0:secret/plan\nr:1:the plan\n\n'))
  // Cyrillic ѕ, fullwidth ｓ, and a Hangul syllable in NFD (conjoining jamo).
  for (const name of ['\u0455ecret/plan', '\uff53ecret/plan', 'plan-\u1112\u1161\u11ab']) {
    const answer = (await postForm(q, xhrBody(`u:own2\nF:0:${name}\nr:1:fake plan\n\n`))).text
    assert.match(answer, /^E:.*(NFKC|several scripts)/, name)
    assert.equal(srv.app.sync!.readDocument(name), undefined, name)
  }
})
