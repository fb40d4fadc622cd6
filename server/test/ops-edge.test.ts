// The edge (issue 9): TLS with a self-signed certificate made here (https and wss on one port),
// Origin checks with reasons, path allow/deny lists, denied channels, subprotocol negotiation,
// permessage-deflate, and the per-address connection limit. Real server on port 0.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { get as httpsGet } from 'node:https'
import { join } from 'node:path'
import WebSocket from 'ws'
import { connect } from './auth-cometd.ts'
import { tempDir } from './sync-helpers.ts'
import { waitFor } from './harness.ts'
import { startOpsServer } from './ops-harness.ts'

const opts = { timeout: 20_000 }
type Upgrade = { ws: WebSocket } | { status: number; body: string }

/** Opens a WebSocket; resolves with it, or with the refusal's status and body. */
function upgrade(
  url: string,
  options: { origin?: string; protocols?: string[]; ca?: Buffer } = {},
): Promise<Upgrade> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options.protocols ?? [], {
      ...(options.origin ? { origin: options.origin } : {}),
      ...(options.ca ? { ca: options.ca } : {}),
      perMessageDeflate: true,
    })
    ws.once('open', () => resolve({ ws }))
    ws.once('unexpected-response', (_req, res) => {
      let body = ''
      res.on('data', (chunk: Buffer) => (body += chunk.toString()))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    ws.once('error', reject)
  })
}

function opened(result: Upgrade, t: { after: (fn: () => void) => void }): WebSocket {
  assert.ok('ws' in result, `expected an open socket, got ${JSON.stringify(result)}`)
  t.after(() => result.ws.terminate())
  return result.ws
}

function refused(result: Upgrade, status: number, code: string): string {
  assert.ok('status' in result, 'expected a refusal')
  assert.equal(result.status, status)
  const body = JSON.parse(result.body) as { code: string; message: string }
  assert.equal(body.code, code)
  return body.message
}

function handshakeOver(ws: WebSocket): Promise<{ successful: boolean; channel: string }> {
  return new Promise((resolve) => {
    ws.once('message', (data) => resolve((JSON.parse(String(data)) as [never])[0]))
    ws.send(
      JSON.stringify([
        { channel: '/meta/handshake', version: '1.0', supportedConnectionTypes: ['websocket'] },
      ]),
    )
  })
}

test('TLS: https and wss on the same port with a self-signed certificate', opts, async (t) => {
  const dir = tempDir(t, 'tandem-tls-')
  const [cert, key] = [join(dir, 'cert.pem'), join(dir, 'key.pem')]
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1',
  ], { stdio: 'ignore' }) // prettier-ignore
  const ca = readFileSync(cert)
  const s = await startOpsServer(t, (c) => {
    c.http.tlsCertPath = cert
    c.http.tlsKeyPath = key
  })
  const health = await new Promise<string>((resolve, reject) => {
    httpsGet(`https://127.0.0.1:${s.srv.port}/healthz`, { ca }, (res) => {
      let body = ''
      res.on('data', (chunk: Buffer) => (body += chunk.toString()))
      res.on('end', () => resolve(body))
    }).once('error', reject)
  })
  assert.match(health, /"status":"ok"/)
  const ws = opened(await upgrade(`wss://127.0.0.1:${s.srv.port}/bayeux`, { ca }), t)
  const reply = await handshakeOver(ws)
  assert.deepEqual([reply.channel, reply.successful], ['/meta/handshake', true])
  // Without the certificate trusted, the client refuses the server: it really is TLS.
  await assert.rejects(upgrade(`wss://127.0.0.1:${s.srv.port}/bayeux`), /self-signed/)
})

test(
  'a foreign Origin is refused with 403 and a reason; own and allowed ones pass',
  opts,
  async (t) => {
    const s = await startOpsServer(t, (c) => {
      c.auth.allowedOrigins = ['https://app.example.com']
      c.ops.allowLocalhostOrigins = false
    })
    const url = `${s.srv.wsUrl}`
    const why = refused(
      await upgrade(url, { origin: 'https://evil.example' }),
      403,
      'ERR_ORIGIN_FORBIDDEN',
    )
    assert.match(why, /evil\.example is not allowed/)
    refused(await upgrade(url, { origin: 'http://localhost:5173' }), 403, 'ERR_ORIGIN_FORBIDDEN')
    opened(await upgrade(url, { origin: s.srv.url }), t)
    opened(await upgrade(url, { origin: 'https://app.example.com' }), t)
    opened(await upgrade(url), t)
    const post = await fetch(s.srv.bayeuxUrl, {
      method: 'POST',
      headers: { origin: 'https://evil.example', 'content-type': 'application/json' },
      body: '[]',
    })
    assert.equal(post.status, 403)
    assert.equal(((await post.json()) as { code: string }).code, 'ERR_ORIGIN_FORBIDDEN')
  },
)

test('localhost origins pass in development', opts, async (t) => {
  const s = await startOpsServer(t)
  opened(await upgrade(s.srv.wsUrl, { origin: 'http://localhost:5173' }), t)
  opened(await upgrade(s.srv.wsUrl, { origin: 'http://127.0.0.1:3000' }), t)
})

test('denied and unlisted paths are refused; denied channels too', opts, async (t) => {
  const s = await startOpsServer(t, (c) => {
    c.ops.allowPaths = ['/bayeux*', '/mobwrite', '/scripts/*']
    c.ops.denyPaths = ['/mobwrite', '/scripts/q.py']
    c.ops.denyChannels = ['/secret/**']
  })
  const base = `ws://127.0.0.1:${s.srv.port}`
  const why = refused(await upgrade(`${base}/mobwrite`), 403, 'ERR_PATH_FORBIDDEN')
  assert.match(why, /\/mobwrite is not allowed/)
  refused(await upgrade(`${base}/elsewhere`), 403, 'ERR_PATH_FORBIDDEN')
  opened(await upgrade(`${base}/bayeux`), t)
  const form = await fetch(`${s.srv.url}/scripts/q.py`, { method: 'POST', body: 'q=' })
  assert.equal(form.status, 403)
  const client = await connect(s.srv.bayeuxUrl, { transport: 'long-polling' })
  s.cleanup(() => client.disconnect())
  const denied = await client.subscribe('/secret/plans')
  assert.equal(denied.successful, false)
  assert.match(String(denied.error), /^403:/)
  assert.equal((await client.subscribe('/open/chat')).successful, true)
})

test('subprotocols: the first offered one the server speaks, else 400', opts, async (t) => {
  const s = await startOpsServer(t)
  const ws = opened(await upgrade(s.srv.wsUrl, { protocols: ['x-unknown', 'bayeux'] }), t)
  assert.equal(ws.protocol, 'bayeux')
  assert.equal(opened(await upgrade(s.srv.wsUrl), t).protocol, '')
  const why = refused(
    await upgrade(s.srv.wsUrl, { protocols: ['x-unknown'] }),
    400,
    'ERR_REQUEST_INVALID',
  )
  assert.match(why, /x-unknown/)
})

test('permessage-deflate is off by default and negotiated when switched on', opts, async (t) => {
  const plain = await startOpsServer(t)
  assert.equal(opened(await upgrade(plain.srv.wsUrl), t).extensions, '')
  const s = await startOpsServer(t, (c) => (c.bayeux.wsPerMessageDeflate = true))
  const ws = opened(await upgrade(s.srv.wsUrl), t)
  assert.match(ws.extensions, /permessage-deflate/)
  assert.equal((await handshakeOver(ws)).successful, true)
})

test('connections per address are limited; a closed one frees its slot', opts, async (t) => {
  const s = await startOpsServer(t, (c) => (c.ops.maxConnectionsPerIp = 2))
  const first = opened(await upgrade(s.srv.wsUrl), t)
  opened(await upgrade(s.srv.wsUrl), t)
  const why = refused(await upgrade(s.srv.wsUrl), 429, 'ERR_RATE_LIMITED')
  assert.match(why, /maxConnectionsPerIp = 2/)
  first.close()
  await new Promise((resolve) => first.once('close', resolve))
  let again: Upgrade | undefined
  // The server sees the close a moment after the client: retry until the slot is free.
  await waitFor(async () => {
    again = await upgrade(s.srv.wsUrl)
    return 'ws' in again
  })
  opened(again as Upgrade, t)
})

test('heartbeats drop a peer that stops answering pings, not a live one', opts, async (t) => {
  const s = await startOpsServer(t, (c) => (c.bayeux.wsPingIntervalMs = 50))
  const dead = new WebSocket(s.srv.wsUrl, { autoPong: false })
  const live = new WebSocket(s.srv.wsUrl)
  t.after(() => live.terminate())
  const pings = { dead: 0, live: 0 }
  dead.on('ping', () => pings.dead++)
  live.on('ping', () => pings.live++)
  const closed = new Promise<number>((resolve) => dead.once('close', resolve))
  await Promise.all([dead, live].map((ws) => new Promise((resolve) => ws.once('open', resolve))))
  assert.equal(await closed, 1006, 'terminated: no close frame to a dead peer')
  assert.ok(pings.dead >= 1)
  await waitFor(() => pings.live >= pings.dead + 2)
  assert.equal(live.readyState, WebSocket.OPEN)
})
