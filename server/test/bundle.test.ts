// The precompiled server (server/build.ts → dist/server/*.js) runs under plain `node` as
// `npm start` runs it: it listens on port 0, answers /healthz and a Bayeux handshake, finds the
// web build where the tsx-run server finds it, stops cleanly on SIGTERM; the CLI bundle works.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { buildServer, serverDistDir } from '../build.ts'
import { packageRoot } from '../package-root.ts'
import { defaultDistDir } from '../http/static.ts'
import { tempDir } from './sync-helpers.ts'

const root = packageRoot(import.meta.url)
const { NODE_TEST_CONTEXT: _, ...parentEnv } = process.env

test('packageRoot finds the repository from server/ and from the bundle folder', () => {
  assert.equal(packageRoot(pathToFileURL(join(root, 'server/http/static.ts')).href), root)
  assert.equal(packageRoot(pathToFileURL(join(serverDistDir, 'main.js')).href), root)
  assert.equal(defaultDistDir, join(root, 'dist', 'web'))
})

test('the server bundle starts under plain node and serves', { timeout: 60_000 }, async (t) => {
  await buildServer()
  const dir = tempDir(t, 'tandem-bundle-')
  const child = spawn(process.execPath, ['--enable-source-maps', join(serverDistDir, 'main.js')], {
    cwd: dir, // not the repository: paths must not depend on the working folder
    env: { ...parentEnv, PORT: '0', HOST: '127.0.0.1', TANDEM_DB: join(dir, 'db/t.db') },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
  t.after(() => void child.kill('SIGKILL'))
  let output = ''
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listening line: ${output}`)), 20_000)
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      const match = /listening on http:\/\/[^:\s]+:(\d+)/.exec(output)
      if (!match) return
      clearTimeout(timer)
      resolve(Number(match[1]))
    })
    void exited.then((code) => reject(new Error(`server exited (${code}): ${output}`)))
  })
  const base = `http://127.0.0.1:${port}`

  const health = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(5_000) })
  assert.equal(health.status, 200)
  assert.equal(((await health.json()) as { status: string }).status, 'ok')

  const handshake = await fetch(`${base}/bayeux`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify([
      {
        channel: '/meta/handshake',
        id: '1',
        version: '1.0',
        supportedConnectionTypes: ['long-polling'],
      },
    ]),
    signal: AbortSignal.timeout(5_000),
  })
  assert.equal(handshake.status, 200)
  const [reply] = (await handshake.json()) as { successful: boolean; clientId?: string }[]
  assert.equal(reply?.successful, true, JSON.stringify(reply))
  assert.equal(typeof reply?.clientId, 'string')

  // The widget comes from <repository>/dist/web whichever way the server runs; without a web
  // build the static router says how to make one.
  const widget = await fetch(`${base}/embed.js`, { signal: AbortSignal.timeout(5_000) })
  const hasWebBuild = existsSync(join(root, 'dist/web/embed.js'))
  assert.equal(widget.status, hasWebBuild ? 200 : 503, await widget.text().catch(() => ''))

  child.kill('SIGTERM')
  assert.equal(await exited, 0, output)
})

test('the CLI bundle runs a command on a database', { timeout: 60_000 }, async (t) => {
  await buildServer()
  const dir = tempDir(t, 'tandem-bundle-cli-')
  const run = (...args: string[]) =>
    spawnSync(
      process.execPath,
      [join(serverDistDir, 'cli.js'), '--db', join(dir, 't.db'), ...args],
      {
        cwd: dir,
        env: parentEnv,
        encoding: 'utf8',
        timeout: 20_000,
      },
    )
  const granted = run('grant', 'notes*', 'ada', 'read')
  assert.equal(granted.status, 0, granted.stderr)
  const rules = run('rules')
  assert.equal(rules.status, 0, rules.stderr)
  assert.match(rules.stdout, /^notes\* {2}ada {2}read$/m)
})
