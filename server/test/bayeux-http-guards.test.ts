// Requests to /bayeux skip express (server/app.ts) but pass the same guards: the ops edge
// checks (paths, origins with their CORS refusal), guards that fail, and other spellings of the
// path that only express's router sends to Bayeux.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { startTestServer } from './harness.ts'
import { startOpsServer } from './ops-harness.ts'

const handshake = JSON.stringify([
  {
    id: 'h',
    channel: '/meta/handshake',
    version: '1.0',
    supportedConnectionTypes: ['long-polling'],
  },
])
const json = { 'content-type': 'application/json' }

test('deny-listed Bayeux paths and refused origins are answered by the ops guard', async (t) => {
  const s = await startOpsServer(t, (c) => {
    c.ops.denyPaths = ['/bayeux/secret*']
    c.auth.allowedOrigins = ['https://app.example.com']
    c.ops.allowLocalhostOrigins = false
  })
  const url = s.srv.bayeuxUrl
  const denied = await fetch(`${url}/secret?x=1`, {
    method: 'POST',
    headers: json,
    body: handshake,
  })
  assert.equal(denied.status, 403)
  assert.equal(((await denied.json()) as { code: string }).code, 'ERR_PATH_FORBIDDEN')
  const evil = { ...json, origin: 'https://evil.example' }
  const preflight = await fetch(url, { method: 'OPTIONS', headers: evil })
  assert.equal(preflight.status, 204)
  assert.equal(preflight.headers.get('access-control-allow-origin'), 'https://evil.example')
  const post = await fetch(`${url}/handshake`, { method: 'POST', headers: evil, body: handshake })
  assert.equal(post.status, 403)
  assert.match(String(post.headers.get('content-type')), /^application\/json/)
  assert.equal(post.headers.get('access-control-allow-origin'), 'https://evil.example')
  assert.equal(((await post.json()) as { code: string }).code, 'ERR_ORIGIN_FORBIDDEN')
  const ours = { ...json, origin: 'https://app.example.com' }
  const allowed = await fetch(`${url}/handshake`, {
    method: 'POST',
    headers: ours,
    body: handshake,
  })
  assert.equal(allowed.status, 200)
  assert.equal(((await allowed.json()) as Array<{ successful: boolean }>)[0]?.successful, true)
})

test('guards see express-like paths; a throwing guard answers 500', async (t) => {
  const seen: string[] = []
  const srv = await startTestServer({
    bayeuxGuards: [
      (req, _res, next) => {
        seen.push(`${req.method} ${req.path} ${req.originalUrl}`)
        next()
      },
      (req, _res, next) => {
        if (req.path === '/boom') throw new Error('guard exploded')
        next()
      },
    ],
  })
  t.after(() => srv.close())
  const ok = await fetch(`${srv.bayeuxUrl}?a=b`, { method: 'POST', headers: json, body: handshake })
  assert.equal(ok.status, 200)
  const boom = await fetch(`${srv.bayeuxUrl}/boom`, { method: 'POST', headers: json, body: '[]' })
  assert.equal(boom.status, 500)
  // Another spelling goes through express, to the same guards and transport.
  const upper = await fetch(`${srv.url}/BAYEUX/handshake`, {
    method: 'POST',
    headers: json,
    body: handshake,
  })
  assert.equal(upper.status, 200)
  assert.deepEqual(seen, [
    'POST / /bayeux?a=b',
    'POST /boom /bayeux/boom',
    'POST /handshake /BAYEUX/handshake',
  ])
})
