// Rate limits that protect without harming (issue 13), over Bayeux against the real server
// process with its default configuration (`npm start`, no settings): a crowd behind one address
// is never refused, and a flooding client is refused, told so, slowed alone, and loses nothing.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createRng, delay } from '../../e2e/bench/lib/rng.ts'
import type { CometDTransport } from './bayeux-clients.ts'
import { startMainProcess } from './main-process.ts'
import { connectCounted, sumTallies, type CountedBayeuxClient } from './rate-clients.ts'
import { converge, createSimClient, tokensIn, type SimClient } from './sync-sim.ts'

const opts = { timeout: 120_000 }

/** Every token inserted by `clients` is in `text` exactly once, and nothing else is. */
function assertExact(text: string, clients: readonly SimClient[]): void {
  const present = tokensIn(text).sort()
  const inserted = clients.flatMap((c) => c.inserted).sort()
  assert.equal(new Set(present).size, present.length, 'no token twice')
  assert.deepEqual(present, inserted, 'every inserted token, nothing else')
}

async function connectAll(bayeuxUrl: string, transports: readonly CometDTransport[]) {
  return Promise.all(transports.map((transport) => connectCounted(bayeuxUrl, transport)))
}

/** Inserts a token and syncs every `periodMs` (a person typing steadily) until `untilMs`. */
async function typeSteadily(
  client: SimClient,
  rng: () => number,
  periodMs: number,
  untilMs: number,
) {
  while (Date.now() < untilMs) {
    const started = Date.now()
    client.insert(rng)
    await client.sync(10_000)
    await delay(Math.max(0, periodMs - (Date.now() - started))) // pacing, not a wait for state
  }
}

test(
  '30 editors behind one address at 4 syncs/s: none refused, none unanswered, none lost',
  opts,
  async (t) => {
    const seed = Math.floor(Math.random() * 2 ** 31)
    const rng = createRng(seed)
    const server = await startMainProcess(t)
    const transports = Array.from({ length: 30 }, (_, i): CometDTransport =>
      i % 3 === 2 ? 'long-polling' : 'websocket',
    )
    const conns = await connectAll(`${server.url}/bayeux`, transports)
    t.after(() => Promise.all(conns.map((c) => c.disconnect())))
    const clients = conns.map((c, i) => createSimClient(`crowd${i}`, 'crowd', c.send))
    const untilMs = Date.now() + 15_000
    await Promise.all(clients.map((c) => typeSteadily(c, rng, 250, untilMs)))
    const text = await converge(clients, 30_000)
    const tally = sumTallies(conns.map((c) => c.tally))
    t.diagnostic(`seed ${seed}; ${JSON.stringify({ ...tally, retryAfterMs: undefined })}`)
    assert.equal(tally.refused, 0, 'refused')
    assert.equal(tally.unanswered, 0, 'unanswered')
    assert.equal(tally.failed, 0, 'failed')
    assert.ok(tally.answered >= 30 * 4 * 12, `enough syncs ran (${tally.answered})`)
    assertExact(text, clients)
  },
)

/**
 * Syncs as fast as answers come, refused or not, never waiting (an abuser); a new token after
 * each answered sync, so the stack of refused edits stays small (the CometD client sends no
 * message over 8 KiB, and a stack that grew with every refusal would reach it).
 */
async function flood(client: SimClient, rng: () => number, untilMs: number) {
  let isAnswered = true
  while (Date.now() < untilMs) {
    if (isAnswered) client.insert(rng)
    isAnswered = await client.sync(10_000)
  }
}

test(
  'a flooding client is refused with an answer, alone, and its text still converges',
  opts,
  async (t) => {
    const seed = Math.floor(Math.random() * 2 ** 31)
    const rng = createRng(seed)
    const server = await startMainProcess(t)
    const bayeuxUrl = `${server.url}/bayeux`
    const [flooder] = await connectAll(bayeuxUrl, ['websocket'])
    const calm = await connectAll(bayeuxUrl, [
      'websocket',
      'websocket',
      'long-polling',
      'websocket',
    ])
    const all: CountedBayeuxClient[] = [flooder!, ...calm]
    t.after(() => Promise.all(all.map((c) => c.disconnect())))
    // One session, 32 views, never waiting: as many requests a second as the server answers.
    const floods = Array.from({ length: 32 }, (_, i) =>
      createSimClient(`flood${i}`, `flood${i}`, flooder!.send),
    )
    const typists = calm.map((c, i) => createSimClient(`calm${i}`, 'calm', c.send))
    const untilMs = Date.now() + 6_000
    await Promise.all([
      ...floods.map((c) => flood(c, rng, untilMs)),
      ...typists.map((c) => typeSteadily(c, rng, 250, untilMs)),
    ])
    const floodTally = flooder!.tally
    const calmTally = sumTallies(calm.map((c) => c.tally))
    t.diagnostic(
      `seed ${seed}; flooder ${JSON.stringify({ ...floodTally, retryAfterMs: undefined })}`,
    )
    t.diagnostic(`calm ${JSON.stringify({ ...calmTally, retryAfterMs: undefined })}`)
    assert.ok(floodTally.refused > 0, 'the flood was refused')
    assert.equal(floodTally.unanswered, 0, 'every refusal was answered')
    assert.equal(floodTally.failed, 0, 'nothing failed otherwise')
    assert.equal(
      floodTally.retryAfterMs.length,
      floodTally.refused,
      'each refusal says when to retry',
    )
    assert.ok(
      floodTally.retryAfterMs.every((ms) => ms > 0 && ms <= 60_000),
      'retry delays are sane',
    )
    assert.deepEqual([calmTally.refused, calmTally.unanswered, calmTally.failed], [0, 0, 0])
    // After the flood the refused edits were still stacked: each text converges exactly.
    for (const client of floods) {
      const reader = createSimClient(`${client.userId}-reader`, client.file, flooder!.send)
      assertExact(await converge([client, reader], 30_000), [client])
    }
    assertExact(await converge(typists, 30_000), typists)
  },
)
