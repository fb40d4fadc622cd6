// Auth on the Bayeux paths with the official CometD client, websocket and long-polling: handshake
// credentials, refusals, private channels, stolen clientIds, and the Origin guard.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import WebSocket from 'ws'
import { authPlugin, createAuth } from '../auth/auth.ts'
import { issueToken } from '../auth/tokens.ts'
import { defaultConfig, type AuthConfig } from '../config.ts'
import { openSqliteStore } from '../store/sqlite.ts'
import { startTestServer } from './harness.ts'
import { browserCookie, connect, tryConnect, type Transport } from './auth-cometd.ts'

const transports: Transport[] = ['websocket', 'long-polling']

async function setup(t: { after: (fn: () => unknown) => void }, auth: Partial<AuthConfig> = {}) {
  const store = openSqliteStore({ path: ':memory:' })
  const config = { ...defaultConfig.auth, ...auth }
  const tandemAuth = createAuth({ store, config })
  const srv = await startTestServer({
    // All test clients share one cookie jar: let each hold its own long poll.
    bayeux: { timeoutMs: 2_000, maxSessionsPerBrowser: 100 },
    configure: (c) => void (c.auth = config),
    plugins: [authPlugin(tandemAuth)],
    bayeuxGuards: [tandemAuth.originGuard],
    upgradeGuards: [tandemAuth.upgradeGuard],
  })
  t.after(async () => {
    await srv.close()
    store.close()
  })
  return { srv, store }
}

for (const transport of transports) {
  test(
    `${transport}: a token handshake gets its trusted handle; a bad token is refused`,
    { timeout: 20_000 },
    async (t) => {
      const { srv, store } = await setup(t, { allowAnonymous: true })
      const { token } = issueToken(store, 'alice')
      const alice = await connect(srv.bayeuxUrl, { transport, token, name: 'Mallory' })
      t.after(() => alice.disconnect())
      assert.deepEqual((alice.handshake.ext as Record<string, unknown>)['tandem'], {
        handle: 'alice:127.0.0.1',
        principal: 'alice',
        isAnonymous: false,
      })

      const { reply, client } = await tryConnect(srv.bayeuxUrl, { transport, token: token + 'x' })
      assert.equal(client, undefined)
      assert.equal(reply.successful, false)
      assert.equal(reply.error, '403::Handshake denied')
      assert.equal(reply.advice?.reconnect, 'none')
      assert.deepEqual((reply.ext as Record<string, unknown>)['tandem'], {
        error: {
          code: 'ERR_TOKEN_INVALID',
          message: 'The token is unknown or revoked; ask for a new one (tandem token add <name>)',
        },
      })
    },
  )

  test(
    `${transport}: anonymous clients get a ~handle, or a refusal when anonymous is off`,
    { timeout: 20_000 },
    async (t) => {
      const open = await setup(t, { allowAnonymous: true })
      const guest = await connect(open.srv.bayeuxUrl, { transport, name: 'Zoë\n:x' })
      t.after(() => guest.disconnect())
      assert.equal(
        ((guest.handshake.ext as Record<string, unknown>)['tandem'] as { handle: string }).handle,
        '~Zoë x:127.0.0.1',
      )

      const closed = await setup(t, { allowAnonymous: false })
      const { reply } = await tryConnect(closed.srv.bayeuxUrl, { transport, name: 'Zoë' })
      assert.equal(reply.successful, false)
      assert.equal(
        ((reply.ext as Record<string, unknown>)['tandem'] as { error: { code: string } }).error
          .code,
        'ERR_ANONYMOUS_DISABLED',
      )
    },
  )

  test(
    `${transport}: /user/<principal>/** is private; global wildcards are refused`,
    { timeout: 20_000 },
    async (t) => {
      const { srv, store } = await setup(t)
      const alice = await connect(srv.bayeuxUrl, {
        transport,
        token: issueToken(store, 'alice').token,
      })
      const guest = await connect(srv.bayeuxUrl, { transport, name: 'guest' })
      t.after(() => Promise.all([alice.disconnect(), guest.disconnect()]))
      assert.equal((await alice.subscribe('/user/alice/inbox')).successful, true)
      const denied = await alice.subscribe('/user/bob/inbox')
      assert.equal(denied.successful, false)
      assert.equal(denied.error, '403:private_channel:create_denied')
      assert.equal((await alice.subscribe('/user/*')).successful, false)
      assert.equal((await guest.subscribe('/user/anonymous')).successful, false)
      assert.equal((await guest.subscribe('/**')).successful, false)
    },
  )
}

async function postBayeux(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
  })
  return {
    status: res.status,
    body: (await res.json()) as Record<string, unknown>[] | Record<string, unknown>,
  }
}

test(
  'long-polling: a stolen clientId without its BAYEUX_BROWSER cookie is refused',
  { timeout: 20_000 },
  async (t) => {
    const { srv, store } = await setup(t)
    const alice = await connect(srv.bayeuxUrl, {
      transport: 'long-polling',
      token: issueToken(store, 'alice').token,
    })
    t.after(() => alice.disconnect())
    const cookie = browserCookie('BAYEUX_BROWSER')
    assert.ok(cookie, 'the handshake set the browser cookie')
    const publish = [
      {
        channel: '/service/mobwrite',
        clientId: alice.clientId,
        id: '9',
        data: { q: 'u:x\nF:0:doc\nr:1:hi\n\n' },
      },
    ]
    const stolen = await postBayeux(srv.bayeuxUrl, publish)
    const [refused] = stolen.body as Record<string, unknown>[]
    assert.equal(refused?.['successful'], false)
    assert.equal(refused?.['error'], '402::Unknown client')
    const owner = await postBayeux(srv.bayeuxUrl, publish, { Cookie: `BAYEUX_BROWSER=${cookie}` })
    assert.equal(
      (owner.body as Record<string, unknown>[])[0]?.['successful'],
      true,
      'the cookie binds',
    )
    const wrongCookie = await postBayeux(srv.bayeuxUrl, publish, {
      Cookie: 'BAYEUX_BROWSER=guessed',
    })
    assert.equal(
      (wrongCookie.body as Record<string, unknown>[])[0]?.['error'],
      '402::Unknown client',
    )
  },
)

test(
  'websocket: a stolen clientId on another connection is refused',
  { timeout: 20_000 },
  async (t) => {
    const { srv, store } = await setup(t)
    const alice = await connect(srv.bayeuxUrl, {
      transport: 'websocket',
      token: issueToken(store, 'alice').token,
    })
    t.after(() => alice.disconnect())
    const ws = new WebSocket(srv.wsUrl)
    t.after(() => ws.close())
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))
    const answer = new Promise<unknown>((resolve) =>
      ws.once('message', (data) => resolve(JSON.parse(String(data)))),
    )
    ws.send(
      JSON.stringify([
        { channel: '/service/mobwrite', clientId: alice.clientId, id: '5', data: { q: 'u:x\n\n' } },
      ]),
    )
    const [reply] = (await answer) as Record<string, unknown>[]
    assert.equal(reply?.['successful'], false)
    assert.equal(reply?.['error'], '402::Unknown client')
  },
)

test(
  'a cookie-carrying POST from a foreign Origin is refused before Bayeux',
  { timeout: 20_000 },
  async (t) => {
    const { srv } = await setup(t, { allowedOrigins: ['https://app.example'] })
    const handshake = [
      { channel: '/meta/handshake', version: '1.0', supportedConnectionTypes: ['long-polling'] },
    ]
    const evil = await postBayeux(srv.bayeuxUrl, handshake, {
      Cookie: 'BAYEUX_BROWSER=x',
      Origin: 'https://evil.example',
    })
    assert.equal(evil.status, 403)
    assert.equal((evil.body as { code: string }).code, 'ERR_ORIGIN_FORBIDDEN')
    for (const origin of [srv.url, 'https://app.example']) {
      const ok = await postBayeux(srv.bayeuxUrl, handshake, {
        Cookie: 'BAYEUX_BROWSER=x',
        Origin: origin,
      })
      assert.equal(ok.status, 200, origin)
    }
    const noCookie = await postBayeux(srv.bayeuxUrl, handshake, { Origin: 'https://evil.example' })
    assert.equal(noCookie.status, 200)
  },
)

test(
  'a cookie-carrying WebSocket upgrade from a foreign Origin is refused',
  { timeout: 20_000 },
  async (t) => {
    const { srv } = await setup(t)
    const upgrade = (headers: Record<string, string>) =>
      new Promise<number>((resolve, reject) => {
        const ws = new WebSocket(srv.wsUrl, { headers })
        ws.once('open', () => {
          ws.close()
          resolve(101)
        })
        ws.once('unexpected-response', (_req, res) => {
          res.resume()
          resolve(res.statusCode ?? 0)
        })
        ws.once('error', reject)
      })
    assert.equal(await upgrade({ Cookie: 'BAYEUX_BROWSER=x', Origin: 'https://evil.example' }), 403)
    assert.equal(await upgrade({ Cookie: 'BAYEUX_BROWSER=x', Origin: srv.url }), 101)
    assert.equal(
      await upgrade({ Origin: 'https://evil.example' }),
      101,
      'no cookie, nothing to ride on',
    )
  },
)
