// Crash test (DESIGN §7): the real server runs as a child process on a temp SQLite file while
// clients edit continuously; it is killed with SIGKILL at random moments and restarted on the
// same file and port. Afterwards every client converges and every edit any client was told was
// received (a delta acknowledged by F:, no resync) is in the final text.

import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createRng, delay } from '../../e2e/bench/lib/rng.ts'
import { openSqliteStore } from '../store/sqlite.ts'
import { connect, type Transport } from './auth-cometd.ts'
import { startMainProcess, type MainProcess } from './main-process.ts'
import { tempDir } from './sync-helpers.ts'
import { converge, createSimClient, tokensIn, type SimClient } from './sync-sim.ts'

const kills = 4
const file = 'crash-doc'

/** Starts `server/main.ts` on `dbPath` (and `port`, 0 for a free one); see main-process.ts. */
function startServer(t: TestContext, dbPath: string, port: number): Promise<MainProcess> {
  return startMainProcess(t, {
    PORT: String(port),
    TANDEM_DB: dbPath,
    // Each client syncs every 5–30 ms, faster than a person (auth.ratePerSecond): lifted, so
    // that only the kills interrupt syncs.
    TANDEM_RATE_PER_SECOND: '10000',
    TANDEM_RATE_BURST: '10000',
  })
}

async function editLoop(client: SimClient, rng: () => number, isRunning: () => boolean) {
  while (isRunning()) {
    client.insert(rng)
    await client.sync(1_500)
    await delay(5 + rng() * 25) // typing pace, not a wait for state
  }
}

test('no acknowledged edit is lost across SIGKILL restarts', { timeout: 90_000 }, async (t) => {
  const seed = Math.floor(Math.random() * 2 ** 31)
  const rng = createRng(seed)
  const dbPath = join(tempDir(t, 'tandem-crash-'), 'data/tandem.db')
  let server = await startServer(t, dbPath, 0)
  const port = server.port
  t.after(() => void server.process.kill('SIGKILL'))

  const url = `http://127.0.0.1:${port}/bayeux`
  const transports: Transport[] = ['websocket', 'websocket', 'long-polling']
  const clients: SimClient[] = []
  for (const [i, transport] of transports.entries()) {
    const conn = await connect(url, { transport, name: `crash${i}` })
    t.after(() => conn.disconnect())
    clients.push(createSimClient(`crash${i}`, file, (q, ms) => conn.request(q, ms)))
  }
  for (const client of clients) await client.sync()

  let isRunning = true
  const loops = clients.map((c) => editLoop(c, rng, () => isRunning))
  const ackedAtKills: number[] = []
  for (let k = 0; k < kills; k++) {
    await delay(700 + rng() * 1_300)
    ackedAtKills.push(clients.reduce((n, c) => n + c.acked.size, 0))
    server.process.kill('SIGKILL')
    await server.exited
    server = await startServer(t, dbPath, port)
  }
  await delay(1_000)
  isRunning = false
  await Promise.all(loops)
  const text = await converge(clients, 30_000)

  server.process.kill('SIGTERM')
  await server.exited
  const store = openSqliteStore({ path: dbPath })
  const stored = store.getDocument(file)?.text
  store.close()

  const present = new Set(tokensIn(text))
  const acked = clients.flatMap((c) => [...c.acked])
  const ackedPresent = acked.filter((token) => present.has(token))
  const inserted = clients.reduce((n, c) => n + c.inserted.length, 0)
  const stats = clients.map((c) => c.stats)
  t.diagnostic(
    `seed ${seed}; kills ${kills} (acknowledged so far at each: ${ackedAtKills.join(', ')}); ` +
      `inserted ${inserted}; ` +
      `acknowledged ${acked.length}, of them present ${ackedPresent.length}; ` +
      `present ${present.size} (unacknowledged but recovered ${present.size - acked.length}); ` +
      `server resends ${stats.map((s) => s.serverResyncs).join('/')}; ` +
      `failed syncs ${stats.map((s) => s.failures).join('/')}`,
  )
  if (ackedPresent.length !== acked.length) {
    const report = join(tmpdir(), `tandem-crash-${seed}.json`)
    const missing = acked.filter((token) => !present.has(token))
    writeFileSync(report, JSON.stringify({ missing, text, clients: clients.map((c) => c.trace) }))
    t.diagnostic(`missing ${missing.join(' ')}; traces in ${report}`)
  }
  assert.equal(stored, text, 'the database holds the converged text')
  assert.equal(ackedPresent.length, acked.length, 'every acknowledged edit is present')
  assert.ok(acked.length >= 30, `enough edits were acknowledged (${acked.length})`)
  assert.ok(
    stats.some((s) => s.failures > 0),
    'the kills interrupted some syncs',
  )
})
