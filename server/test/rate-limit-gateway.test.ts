// Rate limits on the raw MobWrite gateways and the answers of refused requests (issue 13): three
// protocol clients behind one address syncing through /scripts/q.py as fast as they can, against
// the real server with its defaults, converge exactly; and a refused request is answered, in
// a form its client understands, on every path, and changes nothing.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { WebSocket } from 'ws'
import { createRng, delay } from '../../e2e/bench/lib/rng.ts'
import { connect } from './auth-cometd.ts'
import { get, jsonpQuery, postForm, runJsonp, tcpExchange, xhrBody } from './gateway-clients.ts'
import { startGatewayServer } from './gateway-harness.ts'
import { startMainProcess } from './main-process.ts'
import { createTally, gatewaySender, sumTallies } from './rate-clients.ts'
import { converge, createSimClient, tokensIn } from './sync-sim.ts'

const opts = { timeout: 120_000 }

test(
  'three protocol clients on one address through /scripts/q.py, flat out: exact, none lost, none twice',
  opts,
  async (t) => {
    const seed = Math.floor(Math.random() * 2 ** 31)
    const rng = createRng(seed)
    const server = await startMainProcess(t)
    const gateway = `${server.url}/scripts/q.py`
    const tallies = [createTally(), createTally(), createTally()]
    const clients = tallies.map((tally, i) =>
      createSimClient(`flat${i}`, 'flat-out', gatewaySender(gateway, tally)),
    )
    // A fourth person on the same address, typing steadily into another document.
    const steadyTally = createTally()
    const steady = createSimClient('steady', 'steady', gatewaySender(gateway, steadyTally))
    const untilMs = Date.now() + 8_000
    await Promise.all([
      ...clients.map(async (client) => {
        while (Date.now() < untilMs) {
          client.insert(rng)
          await client.sync()
        }
      }),
      (async () => {
        while (Date.now() < untilMs) {
          steady.insert(rng)
          await steady.sync()
          await delay(250) // typing pace, not a wait for state
        }
      })(),
    ])
    const text = await converge(clients, 30_000)
    const tally = sumTallies(tallies)
    const perSecond = Math.round(tally.answered / 8)
    t.diagnostic(
      `seed ${seed}; ${perSecond} answers/s; ${JSON.stringify({ ...tally, retryAfterMs: undefined })}`,
    )
    t.diagnostic(`steady ${JSON.stringify({ ...steadyTally, retryAfterMs: undefined })}`)
    const present = tokensIn(text).sort()
    assert.equal(new Set(present).size, present.length, 'no token twice')
    assert.deepEqual(present, clients.flatMap((c) => c.inserted).sort(), 'every token')
    assert.equal(tally.unanswered + tally.failed, 0, 'every request answered')
    // Each client is its own view: flat out, it meets its own budget, never the address's.
    assert.equal(tally.notPerClient, 0, "refused by the address's budget")
    assert.deepEqual([steadyTally.refused, steadyTally.unanswered], [0, 0], 'the steady typist')
    assert.deepEqual(tokensIn(await converge([steady], 10_000)).sort(), [...steady.inserted].sort())
  },
)

/** A MobWrite request that would create `file` with `text`. */
const create = (user: string, file: string, text: string) =>
  `u:${user}\nF:0:${file}\nr:1:${text}\n\n`
const refusal =
  /^E:all:ERR_RATE_LIMITED: Too many requests: .+; nothing was changed, retry after \d+ ms\n$/

test(
  'a refused request is answered on every path, says when to retry, and changes nothing',
  opts,
  async (t) => {
    // A setting under test: one request per client, then hardly any refill.
    const gw = await startGatewayServer((c) => {
      c.auth.rateBurst = 1
      c.auth.ratePerSecond = 0.01
    })
    t.after(() => gw.close())
    const url = `${gw.srv.url}/scripts/q.py`
    assert.equal(
      (await postForm(url, xhrBody(create('h', 'first', 'x')))).text,
      'F:1:first\nd:0:=1\n\n',
    )
    const http = (await postForm(url, xhrBody(create('h', 'first', 'y')))).text
    assert.match(http.slice(0, -1), refusal, 'HTTP: an E: line and the blank line')
    await get(url + jsonpQuery(create('j', 'jsonp', 'x')))
    const jsonp = runJsonp((await get(url + jsonpQuery(create('j', 'jsonp', 'y')))).text)
    assert.match(jsonp, refusal, 'JSONP: a non-empty callback (an empty one means "fragment")')
    await tcpExchange(gw.tcpPort, create('t', 'tcp', 'x'))
    assert.match(await tcpExchange(gw.tcpPort, create('t', 'tcp', 'y')), refusal, 'TCP')
    const ws = new WebSocket(gw.mobwriteWsUrl)
    t.after(() => ws.close())
    const answers: string[] = []
    ws.on('message', (m) => answers.push(String(m)))
    await new Promise((resolve) => ws.once('open', resolve))
    ws.send(create('w', 'ws', 'x'))
    ws.send(create('w', 'ws2', 'y'))
    await waitUntil(() => answers.length === 2)
    assert.match(answers[1] ?? '', refusal, '/mobwrite WebSocket: the socket is the client')

    const bayeux = await connect(`${gw.srv.url}/bayeux`, { transport: 'websocket', name: 'b' })
    t.after(() => bayeux.disconnect())
    await bayeux.request(create('b', 'bayeux', 'x'))
    const reply = await new Promise<{ successful?: boolean; data?: unknown }>((resolve) =>
      bayeux.cometd.remoteCall('mobwrite', { q: create('b', 'bayeux', 'y') }, 5_000, resolve),
    )
    assert.equal(reply.successful, false)
    const data = reply.data as {
      code: string
      retryAfterMs: number
      isRecoverable: boolean
      a: string
    }
    assert.equal(data.code, 'ERR_RATE_LIMITED')
    assert.equal(data.isRecoverable, true)
    assert.ok(data.retryAfterMs > 0, 'Bayeux: retryAfterMs')
    assert.match(data.a, refusal, 'Bayeux: a client reading only {a} gets an E: answer')
    // A plain publish (DESIGN §4) hears {a} too, instead of nothing.
    const heard = new Promise<unknown>((resolve) =>
      bayeux.cometd.addListener('/service/mobwrite', (m) => resolve(m.data)),
    )
    bayeux.cometd.publish('/service/mobwrite', { q: create('b', 'bayeux', 'z') })
    assert.match(((await heard) as { a?: string }).a ?? '', refusal)

    for (const file of ['first', 'jsonp', 'tcp', 'ws', 'bayeux']) {
      assert.equal(
        gw.sync.readDocument(file)?.text,
        'x',
        `${file}: the refused edit changed nothing`,
      )
    }
    assert.equal(gw.sync.readDocument('ws2'), undefined)
  },
)

async function waitUntil(fn: () => boolean): Promise<void> {
  while (!fn()) await new Promise((resolve) => setTimeout(resolve, 10))
}
