// Crash test (DESIGN §7): the real server runs as a child process on a temp SQLite file while
// clients edit continuously; it is killed with SIGKILL at random moments and restarted on the
// same file and port. Afterwards every client converges and every edit any client was told was
// received (a delta acknowledged by F:, no resync) is in the final text.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRng, delay } from '../../e2e/bench/lib/rng.ts'
import { openSqliteStore } from '../store/sqlite.ts'
import { connect, type Transport } from './auth-cometd.ts'
import { tempDir } from './sync-helpers.ts'
import { converge, createSimClient, tokensIn, type SimClient } from './sync-sim.ts'

const root = fileURLToPath(new URL('../..', import.meta.url))
const kills = 4
const file = 'crash-doc'

interface Child {
  readonly process: ChildProcess
  readonly port: number
  readonly exited: Promise<void>
}

/** Starts `tsx server/main.ts` and resolves once it printed the URL it listens on. */
function startServer(dbPath: string, port: number): Promise<Child> {
  const { NODE_TEST_CONTEXT: _, ...env } = process.env
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: root,
    env: {
      ...env,
      PORT: String(port),
      HOST: '127.0.0.1',
      TANDEM_DB: dbPath,
      LOG: 'error',
      // All clients share 127.0.0.1, hence one anonymous rate bucket: lift the limit.
      TANDEM_RATE_PER_SECOND: '10000',
      TANDEM_RATE_BURST: '10000',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  return new Promise((resolve, reject) => {
    let output = ''
    const timer = setTimeout(() => reject(new Error(`Server did not start: ${output}`)), 20_000)
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      const match = /listening on http:\/\/[^:\s]+:(\d+)/.exec(output)
      if (!match) return
      clearTimeout(timer)
      resolve({ process: child, port: Number(match[1]), exited })
    })
    child.once('exit', (code) => reject(new Error(`Server exited (${code}): ${output}`)))
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
  let server = await startServer(dbPath, 0)
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
    server = await startServer(dbPath, port)
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
