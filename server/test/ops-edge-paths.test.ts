// The Origin check and the path deny list guard the path the router serves (issue 14 #9):
// express routes `/MOBWRITE`, `/Scripts/Q.py`, `/BAYEUX` and `/mobwrite/` like their canonical
// spellings, so the guards must see them the same way. Server wired as `npm start` does.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { readOpsEnv } from '../ops/env.ts'
import { startDefaultServer } from './harness.ts'

const evil = 'http://evil.example'
const mobwriteBody = 'q=' + encodeURIComponent('u:abcdefgh\nF:0:casedoc\nr:1:owned\n\n')
const handshakeBody = JSON.stringify([
  { channel: '/meta/handshake', version: '1.0', supportedConnectionTypes: ['long-polling'] },
])

const gatewayPaths = [
  '/MOBWRITE',
  '/MobWrite',
  '/mobwrite/',
  '/MOBWRITE/',
  '/Scripts/Q.py',
  '/SCRIPTS/q.py',
  '/scripts/Q.PY/',
]
const bayeuxPaths = ['/BAYEUX', '/Bayeux/handshake', '/BAYEUX/', '/bayeux/HANDSHAKE']

async function post(url: string, body: string, type: string, origin?: string) {
  const headers: Record<string, string> = { 'content-type': type }
  if (origin) headers.origin = origin
  const res = await fetch(url, { method: 'POST', headers, body })
  return { status: res.status, text: await res.text(), headers: res.headers }
}

const form = 'application/x-www-form-urlencoded'
const json = 'application/json'

test('a foreign Origin is refused on every spelling of a transport path', async (t) => {
  const srv = await startDefaultServer()
  t.after(() => srv.close())
  for (const path of gatewayPaths) {
    const res = await post(srv.url + path, mobwriteBody, form, evil)
    assert.equal(res.status, 403, `${path}: ${res.text}`)
    assert.equal(JSON.parse(res.text).code, 'ERR_ORIGIN_FORBIDDEN', path)
  }
  for (const path of bayeuxPaths) {
    const res = await post(srv.url + path, handshakeBody, json, evil)
    assert.equal(res.status, 403, `${path}: ${res.text}`)
    assert.doesNotMatch(res.text, /clientId/, path)
  }
  // Percent-encoded letters are not routed at all; they must not be served either way.
  for (const path of ['/%6Dobwrite', '/scripts/q%2Epy', '/%62ayeux']) {
    const res = await post(srv.url + path, mobwriteBody, form, evil)
    assert.notEqual(res.status, 200, path)
  }
  // The document was never written.
  const own = await post(
    srv.url + '/mobwrite',
    'q=' + encodeURIComponent('u:zzzzzzzz\nF:0:casedoc\n\n'),
    form,
  )
  assert.equal(own.status, 200)
  assert.doesNotMatch(own.text, /owned/)
  // The canonical spellings still work without an Origin and from the server's own origin.
  assert.equal((await post(srv.url + '/BAYEUX', handshakeBody, json)).status, 200)
  assert.equal((await post(srv.url + '/MOBWRITE', mobwriteBody, form, srv.url)).status, 200)
})

test('TANDEM_DENY_PATHS denies every spelling the router serves', async (t) => {
  const denied = readOpsEnv(
    structuredClone((await import('../config.ts')).defaultConfig),
    { TANDEM_DENY_PATHS: '/mobwrite,/Scripts/q.py,/bayeux*' },
    [],
  ).ops.denyPaths
  const srv = await startDefaultServer((c) => (c.ops.denyPaths = denied))
  t.after(() => srv.close())
  for (const path of [...gatewayPaths, '/mobwrite', '/scripts/q.py']) {
    const res = await post(srv.url + path, mobwriteBody, form)
    assert.equal(res.status, 403, `${path}: ${res.text}`)
    assert.equal(JSON.parse(res.text).code, 'ERR_PATH_FORBIDDEN', path)
  }
  for (const path of [...bayeuxPaths, '/bayeux']) {
    const res = await post(srv.url + path, handshakeBody, json)
    assert.equal(res.status, 403, `${path}: ${res.text}`)
  }
})
