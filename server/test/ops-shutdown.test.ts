// Graceful shutdown (issue 9): `tsx server/main.ts` gets SIGTERM while clients edit over
// websocket and long-polling; it answers held connects, closes the database and exits 0. On
// restart (same file, same port) every client resumes its views with deltas (no reload, no
// full-text resync) and every acknowledged edit is in the text.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRng, delay } from '../../e2e/bench/lib/rng.ts'
import { openSqliteStore } from '../store/sqlite.ts'
import { connect, type Transport } from './auth-cometd.ts'
import { tempDir } from './sync-helpers.ts'
import { converge, createSimClient, tokensIn, type SimClient } from './sync-sim.ts'

const root = fileURLToPath(new URL('../..', import.meta.url))
const file = 'shutdown-doc'

/** Spawns the real entry point; resolves with its port, its exit code, and how to stop it. */
async function startMain(dbPath: string, port: number) {
  const { NODE_TEST_CONTEXT: _, ...env } = process.env
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: root,
    env: {
      ...env,
      ...{ PORT: String(port), HOST: '127.0.0.1', TANDEM_DB: dbPath, LOG: 'error' },
      // The drain test sends syncs back to back, faster than a person; the limits have their own
      // tests (rate-limit-*.test.ts), this one is about shutdown only.
      ...{ TANDEM_RATE_PER_SECOND: '0' },
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const exitCode = new Promise<number | null>((resolve) => child.once('exit', resolve))
  const listening = await new Promise<number>((resolve, reject) => {
    let output = ''
    const timer = setTimeout(() => reject(new Error(`Server did not start: ${output}`)), 20_000)
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      const match = /listening on http:\/\/[^:\s]+:(\d+)/.exec(output)
      if (match) (clearTimeout(timer), resolve(Number(match[1])))
    })
    child.once('exit', (code) => reject(new Error(`Server exited (${code}): ${output}`)))
  })
  return { port: listening, exitCode, kill: (signal: NodeJS.Signals) => child.kill(signal) }
}

async function editLoop(client: SimClient, rng: () => number, isRunning: () => boolean) {
  while (isRunning()) {
    client.insert(rng)
    await client.sync(1_500)
    await delay(5 + rng() * 20) // typing pace, not a wait for state
  }
}

test(
  'SIGTERM during editing loses nothing; restart resumes every view',
  { timeout: 45_000 },
  async (t) => {
    const seed = Math.floor(Math.random() * 2 ** 31)
    const rng = createRng(seed)
    const dbPath = join(tempDir(t, 'tandem-sigterm-'), 'tandem.db')
    let server = await startMain(dbPath, 0)
    const port = server.port
    t.after(() => void server.kill('SIGKILL'))
    const transports: Transport[] = ['websocket', 'long-polling', 'websocket']
    const clients: SimClient[] = []
    for (const [i, transport] of transports.entries()) {
      const conn = await connect(`http://127.0.0.1:${port}/bayeux`, { transport, name: `term${i}` })
      t.after(() => conn.disconnect())
      clients.push(createSimClient(`term${i}`, file, (q, ms) => conn.request(q, ms)))
    }
    for (const client of clients) await client.sync()
    const resyncsBefore = clients.map((c) => c.stats.serverResyncs)

    let isRunning = true
    const loops = clients.map((c) => editLoop(c, rng, () => isRunning))
    await delay(800 + rng() * 700)
    const stoppedAt = Date.now()
    server.kill('SIGTERM')
    assert.equal(await server.exitCode, 0, 'a clean exit')
    const stopMs = Date.now() - stoppedAt
    server = await startMain(dbPath, port)
    await delay(1_000)
    isRunning = false
    await Promise.all(loops)
    const text = await converge(clients, 20_000)

    server.kill('SIGTERM')
    assert.equal(await server.exitCode, 0)
    const store = openSqliteStore({ path: dbPath })
    const stored = store.getDocument(file)?.text
    store.close()

    const present = new Set(tokensIn(text))
    const acked = clients.flatMap((c) => [...c.acked])
    const resyncs = clients.map((c, i) => c.stats.serverResyncs - (resyncsBefore[i] ?? 0))
    t.diagnostic(
      `seed ${seed}; stopped in ${stopMs} ms; acknowledged ${acked.length}; ` +
        `failed syncs ${clients.map((c) => c.stats.failures).join('/')}; resyncs ${resyncs.join('/')}`,
    )
    assert.equal(stored, text, 'the database holds the converged text')
    assert.deepEqual(
      acked.filter((token) => !present.has(token)),
      [],
      'every acknowledged edit is present',
    )
    assert.ok(acked.length >= 20, `enough edits were acknowledged (${acked.length})`)
    assert.deepEqual(resyncs, [0, 0, 0], 'views resumed with deltas: no full-text resync')
    assert.ok(stopMs < 5_000, `held connects were answered at once (${stopMs} ms)`)
  },
)
