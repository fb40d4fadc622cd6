// The BAYEUX_BROWSER cookie for a page on another origin that CORS admits (an embed): it must be
// `SameSite=None; Secure; Partitioned` or the browser never sends it back on cross-site
// long-polling, and every /meta/connect would be 402. Same-origin requests keep the plain cookie.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startTestServer } from './harness.ts'

const handshake = JSON.stringify([
  {
    channel: '/meta/handshake',
    version: '1.0',
    supportedConnectionTypes: ['long-polling'],
  },
])

async function cookieFor(url: string, headers: Record<string, string>) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: handshake,
  })
  await res.text()
  return {
    cookie: res.headers.get('set-cookie') ?? '',
    cors: res.headers.get('access-control-allow-origin'),
  }
}

test(
  'a cross-origin handshake gets a cross-site cookie; same origin a plain one',
  { timeout: 10_000 },
  async (t) => {
    const srv = await startTestServer()
    t.after(() => srv.close())
    const cross = await cookieFor(srv.bayeuxUrl, { origin: 'http://localhost:9' })
    assert.equal(cross.cors, 'http://localhost:9')
    assert.match(
      cross.cookie,
      /^BAYEUX_BROWSER=[\w-]+; Path=\/; HttpOnly; Secure; SameSite=None; Partitioned$/,
    )
    const own = await cookieFor(srv.bayeuxUrl, { origin: new URL(srv.url).origin })
    assert.match(own.cookie, /^BAYEUX_BROWSER=[\w-]+; Path=\/; HttpOnly$/)
    const none = await cookieFor(srv.bayeuxUrl, {})
    assert.match(none.cookie, /^BAYEUX_BROWSER=[\w-]+; Path=\/; HttpOnly$/)
  },
)
