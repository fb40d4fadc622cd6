// The tandem CLI as a separate process (tsx) on the SQLite file a running server holds open:
// tokens and rules it writes apply to the server's next handshake or request.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { authPlugin, createAuth } from '../auth/auth.ts'
import { defaultConfig } from '../config.ts'
import { openSqliteStore } from '../store/sqlite.ts'
import { connect, tryConnect } from './auth-cometd.ts'
import { startTestServer } from './harness.ts'

const cliPath = fileURLToPath(new URL('../cli.ts', import.meta.url))

/** Runs the CLI in its own process; resolves with its exit code and output. */
function runCliProcess(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', cliPath, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += String(chunk)))
    child.stderr.on('data', (chunk) => (stderr += String(chunk)))
    child.once('error', reject)
    child.once('close', (code) => resolve({ code, stdout, stderr }))
  })
}

/** A server on a temp SQLite file with auth from `config`; the file path for the CLI. */
async function startServerOnFile(
  t: { after: (fn: () => unknown) => void },
  auth: Partial<typeof defaultConfig.auth> = {},
) {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-cli-server-'))
  const db = join(dir, 'tandem.db')
  const store = openSqliteStore({ path: db })
  const config = { ...defaultConfig.auth, ...auth }
  const tandemAuth = createAuth({ store, config })
  const srv = await startTestServer({
    dbPath: db,
    bayeux: { maxSessionsPerBrowser: 100 },
    configure: (c) => void (c.auth = config),
    plugins: [authPlugin(tandemAuth)],
  })
  t.after(async () => {
    await srv.close()
    store.close()
    rmSync(dir, { recursive: true, force: true })
  })
  return { db, store, srv, auth: tandemAuth }
}

test(
  'a token added by the CLI works at once; revoked, it is refused',
  { timeout: 30_000 },
  async (t) => {
    const { db, srv } = await startServerOnFile(t, { allowAnonymous: false })
    const added = await runCliProcess(['token', 'add', 'alice'], { TANDEM_DB: db })
    assert.equal(added.code, 0, added.stderr)
    const token = added.stdout.trim().split('\n')[1] ?? ''
    const alice = await connect(srv.bayeuxUrl, { transport: 'websocket', token })
    t.after(() => alice.disconnect())
    assert.equal(
      (alice.handshake.ext as { tandem: { handle: string } }).tandem.handle,
      'alice:127.0.0.1',
    )

    const revoked = await runCliProcess(['--db', db, 'token', 'revoke', 'alice'])
    assert.equal(revoked.code, 0, revoked.stderr)
    assert.equal(revoked.stdout.trim(), 'Revoked 1 token.')
    const { reply } = await tryConnect(srv.bayeuxUrl, { transport: 'long-polling', token })
    assert.equal(reply.successful, false)
    assert.equal(
      (reply.ext as { tandem: { error: { code: string } } }).tandem.error.code,
      'ERR_TOKEN_INVALID',
    )

    const usage = await runCliProcess(['--db', db, 'grant', 'notes/*', 'alice'])
    assert.equal(usage.code, 2)
    assert.match(usage.stderr, /Expected: grant <pattern> <principal> <write\|read\|none>/)
  },
)
