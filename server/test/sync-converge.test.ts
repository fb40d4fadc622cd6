// Concurrent editing over a real server with the official CometD client: two and five clients,
// over websocket and long-polling, insert at random places at the same time and converge, with
// every insert of every client in the final text. Seeded: the seed is printed.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createRng } from '../../e2e/bench/lib/rng.ts'
import { startTestServer } from './harness.ts'
import { connect, type Transport } from './auth-cometd.ts'
import { converge, createSimClient, tokensIn, type SimClient } from './sync-sim.ts'

const cases: { clients: number; transports: Transport[] }[] = [
  { clients: 2, transports: ['websocket'] },
  { clients: 2, transports: ['long-polling'] },
  { clients: 5, transports: ['websocket', 'long-polling'] },
]

async function editConcurrently(clients: SimClient[], rounds: number, rng: () => number) {
  // Each client types and syncs on its own loop; the loops interleave on the server.
  await Promise.all(
    clients.map(async (client) => {
      for (let i = 0; i < rounds; i++) {
        client.insert(rng)
        if (rng() < 0.7) await client.sync()
      }
    }),
  )
}

for (const { clients: count, transports } of cases) {
  test(
    `${count} clients over ${transports.join(' + ')} converge`,
    { timeout: 60_000 },
    async (t) => {
      const seed = Math.floor(Math.random() * 2 ** 31)
      t.diagnostic(`seed ${seed}`)
      const rng = createRng(seed)
      const srv = await startTestServer({
        bayeux: { timeoutMs: 2_000, maxSessionsPerBrowser: 100 },
        sync: {},
      })
      t.after(() => srv.close())
      const file = `converge-${count}`
      const clients: SimClient[] = []
      for (let i = 0; i < count; i++) {
        const transport = transports[i % transports.length]!
        const conn = await connect(srv.bayeuxUrl, { transport, name: `c${i}` })
        t.after(() => conn.disconnect())
        clients.push(createSimClient(`user${i}`, file, (q, ms) => conn.request(q, ms)))
      }
      for (const client of clients) await client.sync()
      await editConcurrently(clients, 15, rng)
      const text = await converge(clients, 30_000)

      assert.equal(srv.app.sync?.readDocument(file)?.text, text)
      const inserted = clients.flatMap((c) => c.inserted)
      const present = new Set(tokensIn(text))
      assert.deepEqual(
        inserted.filter((token) => !present.has(token)),
        [],
      )
      assert.equal(present.size, inserted.length, 'no token duplicated')
      assert.equal(tokensIn(text).length, inserted.length)
    },
  )
}
