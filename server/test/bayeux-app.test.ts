// The app skeleton around Bayeux: main.ts as a process (PORT=0 prints the real port), the
// upgrade table, CORS, option validation, the per-session queue limit and close().

import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { WebSocket } from 'ws'
import { createBayeuxServer } from '../bayeux/server.ts'
import { RawHttp } from './bayeux-raw.ts'
import { startTestServer, waitFor } from './harness.ts'

test(
  'main.ts with PORT=0 prints the real URL and serves Bayeux; SIGTERM stops it',
  { timeout: 30_000 },
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'tandem-main-'))
    t.after(() => rmSync(dir, { recursive: true, force: true }))
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
      env: {
        ...process.env,
        PORT: '0',
        HOST: '127.0.0.1',
        TANDEM_DB: join(dir, 'tandem.db'),
        LOG: 'silent',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    t.after(() => child.kill('SIGKILL'))
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
    const url = await waitFor(() => /Tandem listening on (http:\/\/127\.0\.0\.1:(\d+))/.exec(out), {
      timeoutMs: 20_000,
    })
    assert.notEqual(url[2], '0')
    const res = await fetch(`${url[1]}/bayeux/handshake`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([
        {
          id: '1',
          channel: '/meta/handshake',
          version: '1.0',
          supportedConnectionTypes: ['long-polling'],
        },
      ]),
    })
    assert.equal(((await res.json()) as Array<{ successful: boolean }>)[0]?.successful, true)
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    assert.equal(await exited, 0)
  },
)

test(
  'upgrades go through the route table; unknown paths get 404',
  { timeout: 10_000 },
  async (t) => {
    const srv = await startTestServer()
    t.after(() => srv.close())
    const refused = new WebSocket(`ws://127.0.0.1:${srv.port}/nowhere`)
    const status = await new Promise<number | undefined>((resolve) => {
      refused.on('unexpected-response', (_req, res) => resolve(res.statusCode))
      refused.on('error', () => resolve(undefined))
    })
    assert.equal(status, 404)
    let hits = 0
    srv.app.upgradeRoutes.set('/custom', (request, socket, head) => {
      hits++
      socket.end('HTTP/1.1 418 I am a teapot\r\n\r\n')
      void request
      void head
    })
    const custom = new WebSocket(`ws://127.0.0.1:${srv.port}/custom`)
    await new Promise((resolve) => custom.on('error', resolve))
    assert.equal(hits, 1)
  },
)

test(
  'CORS: preflight 200 with the exact origin and credentials; unknown origins get no grant',
  { timeout: 10_000 },
  async (t) => {
    const srv = await startTestServer({ bayeux: { corsAllowedOrigins: ['https://app.example'] } })
    t.after(() => srv.close())
    const http = new RawHttp(srv)
    const preflight = await http.request('/handshake', {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-headers': 'content-type' },
    })
    assert.equal(preflight.status, 200)
    assert.equal(preflight.text, '')
    assert.equal(preflight.headers.get('access-control-allow-origin'), 'https://app.example')
    assert.equal(preflight.headers.get('access-control-allow-credentials'), 'true')
    assert.equal(preflight.headers.get('access-control-allow-methods'), 'GET, POST, OPTIONS')
    assert.equal(preflight.headers.get('access-control-allow-headers'), 'content-type')
    const other = await http.request('/handshake', {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example' },
    })
    assert.equal(other.headers.get('access-control-allow-origin'), null)
  },
)

test('options are validated with the bad value in the message', () => {
  assert.throws(
    () => createBayeuxServer({ timeoutMs: -1 }),
    /bayeux.timeoutMs must be a non-negative number, got -1/,
  )
  assert.throws(
    () => createBayeuxServer({ sweepPeriodMs: 0 }),
    /bayeux.sweepPeriodMs must be > 0, got 0/,
  )
})

test(
  'maxQueuedMessages: a session that stops reading is dropped and told to re-handshake',
  { timeout: 10_000 },
  async (t) => {
    const srv = await startTestServer({ bayeux: { maxQueuedMessages: 3 } })
    t.after(() => srv.close())
    const http = new RawHttp(srv)
    const clientId = await http.connected()
    const removed: string[] = []
    srv.app.bayeux.on('sessionRemoved', (s) => removed.push(s.id))
    for (let i = 0; i < 3; i++) srv.app.bayeux.deliver(clientId, '/flood', i)
    assert.deepEqual(removed, [])
    srv.app.bayeux.deliver(clientId, '/flood', 3)
    assert.deepEqual(removed, [clientId])
    const res = await http.post('/connect', [
      { id: '1', channel: '/meta/connect', clientId, connectionType: 'long-polling' },
    ])
    assert.deepEqual(res.body, [
      {
        id: '1',
        channel: '/meta/connect',
        successful: false,
        error: '402::Unknown client',
        advice: { reconnect: 'handshake', interval: 0 },
      },
    ])
  },
)

test('close() answers held connects and refuses new handshakes', { timeout: 10_000 }, async (t) => {
  const srv = await startTestServer({ bayeux: { timeoutMs: 10_000 } })
  t.after(() => srv.close())
  const http = new RawHttp(srv)
  const clientId = await http.connected()
  const held = http.post('/connect', [
    { id: '2', channel: '/meta/connect', clientId, connectionType: 'long-polling' },
  ])
  await waitFor(() => srv.app.bayeux.getSession(clientId)?.state === 'polling')
  const started = Date.now()
  await srv.app.bayeux.close()
  assert.equal((await held).body?.[0]?.successful, true)
  assert.ok(Date.now() - started < 2_000)
  const refused = await http.post('/handshake', [
    {
      id: '3',
      channel: '/meta/handshake',
      version: '1.0',
      supportedConnectionTypes: ['long-polling'],
    },
  ])
  assert.equal(refused.body?.[0]?.successful, false)
  assert.equal(
    refused.body?.[0] && 'error' in refused.body[0] ? refused.body[0].error : '',
    '503::server_stopping',
  )
})
