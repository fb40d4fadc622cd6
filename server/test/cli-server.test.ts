// The tandem CLI as a separate process (tsx) on the SQLite file a running server holds open:
// tokens and rules it writes apply to the server's next handshake or request.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { AuthConfig } from '../config.ts'
import { connect, tryConnect } from './auth-cometd.ts'
import { startAuthServer } from './auth-server.ts'

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

/** A server with auth and sync on a temp SQLite file; the file path for the CLI. */
async function startServerOnFile(
  t: { after: (fn: () => unknown) => void },
  auth: Partial<AuthConfig> = {},
) {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-cli-server-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const db = join(dir, 'tandem.db')
  return { db, ...(await startAuthServer(t, { dbPath: db, auth })) }
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

test(
  'a grant or revoke by the CLI changes access for the next request',
  { timeout: 30_000 },
  async (t) => {
    const { db, srv, sync } = await startServerOnFile(t, { defaultAccess: 'none' })
    const tokens = new Map<string, string>()
    for (const name of ['alice', 'bob']) {
      const added = await runCliProcess(['--db', db, 'token', 'add', name])
      tokens.set(name, added.stdout.trim().split('\n')[1] ?? '')
    }
    const alice = await connect(srv.bayeuxUrl, {
      transport: 'long-polling',
      token: tokens.get('alice'),
    })
    const bob = await connect(srv.bayeuxUrl, { transport: 'websocket', token: tokens.get('bob') })
    t.after(() => Promise.all([alice.disconnect(), bob.disconnect()]))
    const open = 'u:a1\nF:0:notes/todo\nr:1:buy milk\n\n'
    assert.match(await alice.request(open), /^E:notes\/todo:ERR_ACCESS_DENIED: /m)

    const granted = await runCliProcess(['--db', db, 'grant', 'notes/*', 'alice', 'write'])
    assert.equal(granted.stdout.trim(), 'Granted write on notes/* to alice.')
    assert.equal(await alice.request(open), 'F:1:notes/todo\nd:0:=8\n')
    assert.equal(sync.readDocument('notes/todo')?.text, 'buy milk')

    await runCliProcess(['--db', db, 'grant', 'notes/*', 'bob', 'read'])
    const read = await bob.request('u:b1\nF:0:notes/todo\nR:1:sell milk\n\n')
    assert.match(read, /^O:notes\/todo$/m)
    assert.equal(sync.readDocument('notes/todo')?.text, 'buy milk')

    const revoked = await runCliProcess(['--db', db, 'revoke', 'notes/*', 'bob'])
    assert.equal(revoked.code, 0, revoked.stderr)
    assert.match(
      await bob.request('u:b1\nF:0:notes/todo\nr:1:\n\n'),
      /^E:notes\/todo:ERR_ACCESS_DENIED: /m,
    )
    const rules = await runCliProcess(['--db', db, 'rules'])
    assert.match(rules.stdout, /^notes\/\* {2}alice {2}write$/m)
  },
)
