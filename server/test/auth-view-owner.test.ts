// A view belongs to whoever opened it (issue 14, findings 6–8), on the default server: a request
// naming another client's view is refused with ERR_VIEW_NOT_OWNED and changes nothing, even
// from the same address while the owner's socket or Bayeux session is live; the binding
// survives a restart; push notices go to the view's owner only; a revoked token (or a rule
// turned to `none`) ends live sockets, sessions and their pushes.

import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { request as httpRequest } from 'node:http'
import { WebSocket } from 'ws'
import { issueToken } from '../auth/tokens.ts'
import { connect } from './auth-cometd.ts'
import { startDefaultServer, waitFor, type DefaultServer } from './harness.ts'
import { tempDir } from './sync-helpers.ts'

const notOwned = /^E:(\S+):ERR_VIEW_NOT_OWNED/m

/** POSTs `q=<text>` to /scripts/q.py from `localAddress`; resolves with the answer. */
function postFrom(
  srv: DefaultServer,
  text: string,
  localAddress = '127.0.0.1',
  headers: Record<string, string> = {},
): Promise<string> {
  const body = 'q=' + encodeURIComponent(text)
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: srv.port,
        path: '/scripts/q.py',
        method: 'POST',
        localAddress,
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      },
      (res) => {
        let answer = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => (answer += chunk))
        res.on('end', () => resolve(answer))
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

interface Socket {
  readonly ws: WebSocket
  send(text: string): Promise<string>
  readonly pushes: string[]
  readonly closed: Promise<{ code: number; messages: string[] }>
}

/** Opens a /mobwrite socket (`?token=` when given) that collects pushes and answers. */
async function openSocket(t: TestContext, srv: DefaultServer, token?: string): Promise<Socket> {
  const query = token === undefined ? '' : `?token=${encodeURIComponent(token)}`
  const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/mobwrite${query}`)
  t.after(() => ws.terminate())
  const pushes: string[] = []
  const messages: string[] = []
  const waiting: ((answer: string) => void)[] = []
  ws.on('message', (data) => {
    const text = data.toString()
    messages.push(text)
    if (text.startsWith('{')) pushes.push(text)
    else waiting.shift()?.(text)
  })
  const closed = new Promise<{ code: number; messages: string[] }>((resolve) =>
    ws.on('close', (code) => resolve({ code, messages })),
  )
  await new Promise((resolve, reject) => ws.on('open', resolve).on('error', reject))
  return {
    ws,
    pushes,
    closed,
    send: (text) =>
      new Promise((resolve) => {
        waiting.push(resolve)
        ws.send(text)
      }),
  }
}

const text = (srv: DefaultServer, file: string) => srv.tandem.app.sync?.readDocument(file)?.text
const hasView = (srv: DefaultServer, user: string, file: string) =>
  srv.store.getViews([{ user, file }]).length === 1

test(
  'finding 6: x:, x:all, r:, R:, d:, m: and n: on another Bayeux session’s view are refused and change nothing',
  { timeout: 20_000 },
  async (t) => {
    const srv = await startDefaultServer()
    t.after(() => srv.close())
    const victim = await connect(srv.bayeuxUrl, { transport: 'websocket', name: 'victim' })
    t.after(() => victim.disconnect())
    const opened = await victim.request('u:vict1234\nF:0:own/a\nr:1:hello\n\n')
    assert.match(opened, /^F:1:own\/a$/m)
    // The attacker is anonymous too, on the same address, over raw HTTP (no session at all).
    const attacks = [
      'u:vict1234\nx:own/a\n\n',
      'u:vict1234\nx:all\n\n',
      'u:vict1234\nF:0:own/a\nr:9:taken\n\n',
      'u:vict1234\nF:0:own/a\nR:9:taken\n\n',
      'u:vict1234\nF:1:own/a\nd:1:=5\t+!\n\n',
      'u:vict1234\nm:{"id":"evil"}\nF:1:own/a\nd:1:=5\n\n',
      'u:vict1234\nn:own/a\n\n',
    ]
    for (const attack of attacks) {
      const answer = await postFrom(srv, attack)
      assert.match(answer, notOwned, `refused: ${JSON.stringify(attack)} got ${answer}`)
      assert.doesNotMatch(answer, /^[FRrd]:/m, 'no text, no versions')
      assert.equal(text(srv, 'own/a'), 'hello', attack)
      assert.ok(hasView(srv, 'vict1234', 'own/a'), attack)
    }
    // A second Bayeux session on the same address is refused too.
    const other = await connect(srv.bayeuxUrl, { transport: 'websocket', name: 'other' })
    t.after(() => other.disconnect())
    assert.match(await other.request('u:vict1234\nF:0:own/a\nR:9:taken\n\n'), notOwned)
    // The victim's next edit is applied, not answered R: and lost.
    const next = await victim.request('u:vict1234\nF:0:own/a\nd:1:=5\t+ world\n\n')
    assert.doesNotMatch(next, /^R:/m)
    assert.equal(text(srv, 'own/a'), 'hello world')
  },
)

test(
  'finding 6: a raw HTTP view is bound to its address, a token view to its principal; a restart keeps both',
  { timeout: 20_000 },
  async (t) => {
    const dbPath = `${tempDir(t)}/owner.db`
    const configure = (c: Parameters<NonNullable<Parameters<typeof startDefaultServer>[0]>>[0]) => {
      c.store.dbPath = dbPath
    }
    let srv = await startDefaultServer(configure)
    const alice = issueToken(srv.store, 'alice').token
    const bob = issueToken(srv.store, 'bob').token
    assert.match(await postFrom(srv, 'u:orig0001\nF:0:own/b\nr:1:orig\n\n'), /^F:1:own\/b$/m)
    const asAlice = { authorization: `Bearer ${alice}` }
    const asBob = { authorization: `Bearer ${bob}` }
    assert.match(
      await postFrom(srv, 'u:alic0001\nF:0:own/c\nr:1:mine\n\n', '127.0.0.1', asAlice),
      /^F:1:/m,
    )
    await srv.close()
    srv = await startDefaultServer(configure)
    t.after(() => srv.close())
    // Another address, a token user, another token user, anonymous from alice's own address.
    assert.match(await postFrom(srv, 'u:orig0001\nx:own/b\n\n', '127.0.0.2'), notOwned)
    assert.match(
      await postFrom(srv, 'u:orig0001\nF:0:own/b\nR:9:x\n\n', '127.0.0.1', asBob),
      notOwned,
    )
    assert.match(
      await postFrom(srv, 'u:alic0001\nF:0:own/c\nR:9:x\n\n', '127.0.0.1', asBob),
      notOwned,
    )
    assert.match(await postFrom(srv, 'u:alic0001\nx:own/c\n\n'), notOwned)
    assert.equal(text(srv, 'own/b'), 'orig')
    assert.equal(text(srv, 'own/c'), 'mine')
    assert.ok(hasView(srv, 'orig0001', 'own/b') && hasView(srv, 'alic0001', 'own/c'))
    // The owners carry on after the restart: same address, same principal (another transport).
    assert.match(await postFrom(srv, 'u:orig0001\nF:1:own/b\nd:1:=4\t+!\n\n'), /^F:2:own\/b$/m)
    const sock = await openSocket(t, srv, alice)
    assert.match(await sock.send('u:alic0001\nF:1:own/c\nd:1:=4\t+!\n\n'), /^F:2:own\/c$/m)
    assert.equal(text(srv, 'own/b'), 'orig!')
    assert.equal(text(srv, 'own/c'), 'mine!')
  },
)

test(
  'finding 6: a live /mobwrite socket’s view is refused to another socket on the same address',
  { timeout: 20_000 },
  async (t) => {
    const srv = await startDefaultServer()
    t.after(() => srv.close())
    const owner = await openSocket(t, srv)
    assert.match(await owner.send('u:sock0001\nF:0:own/d\nr:1:socket\n\n'), /^F:1:/m)
    const thief = await openSocket(t, srv)
    assert.match(await thief.send('u:sock0001\nx:own/d\n\n'), notOwned)
    assert.match(await thief.send('u:sock0001\nF:0:own/d\nR:5:gone\n\n'), notOwned)
    assert.equal(text(srv, 'own/d'), 'socket')
    // Once the owner's socket is gone, a client from its address may take the view up again
    // (a reconnect, or a restart: sockets do not survive, addresses do).
    owner.ws.close()
    await owner.closed
    await waitFor(async () => /^F:2:/m.test(await thief.send('u:sock0001\nF:1:own/d\nd:1:=6\n\n')))
  },
)

test(
  'finding 7: u:<victim> with x:unrelated does not move the victim’s pushes (/mobwrite socket and Bayeux)',
  { timeout: 20_000 },
  async (t) => {
    const srv = await startDefaultServer()
    t.after(() => srv.close())
    const victim = await openSocket(t, srv)
    assert.match(await victim.send('u:push0001\nF:0:push/a\nr:1:a\n\n'), /^F:1:/m)
    const bayeuxVictim = await connect(srv.bayeuxUrl, { transport: 'websocket' })
    t.after(() => bayeuxVictim.disconnect())
    assert.match(await bayeuxVictim.request('u:push0002\nF:0:push/a\nr:1:a\n\n'), /^F:1:/m)
    const thief = await openSocket(t, srv)
    await thief.send('u:push0001\nx:unrelated\n\n')
    await thief.send('u:push0002\nx:unrelated\n\n')
    await thief.send('u:push0001\nF:0:push/b\nr:1:b\n\n')
    const bayeuxThief = await connect(srv.bayeuxUrl, { transport: 'websocket' })
    t.after(() => bayeuxThief.disconnect())
    await bayeuxThief.request('u:push0001\nx:unrelated\n\n')
    await bayeuxThief.request('u:push0002\nx:unrelated\n\n')
    // Someone edits push/a: both victims hear of it, neither thief does.
    assert.match(await postFrom(srv, 'u:writer01\nF:0:push/a\nr:1:changed\n\n'), /^F:1:/m)
    await waitFor(() => victim.pushes.some((p) => p.includes('push/a')))
    await waitFor(() => bayeuxVictim.pushes.some((p) => p.includes('push/a')))
    assert.deepEqual(
      thief.pushes.filter((p) => p.includes('push/a')),
      [],
    )
    assert.deepEqual(
      bayeuxThief.pushes.filter((p) => p.includes('push/a')),
      [],
    )
  },
)

/** A default server where token user alice has a view of `file` on a socket and on Bayeux. */
async function aliceOnBoth(t: TestContext, file: string) {
  const srv = await startDefaultServer()
  t.after(() => srv.close())
  const token = issueToken(srv.store, 'alice').token
  const sock = await openSocket(t, srv, token)
  assert.match(await sock.send(`u:alic0001\nF:0:${file}\nr:1:a\n\n`), /^F:1:/m)
  const client = await connect(srv.bayeuxUrl, { transport: 'websocket', token })
  t.after(() => client.disconnect())
  assert.match(await client.request(`u:alic0002\nF:0:${file}\nr:1:a\n\n`), /^F:1:/m)
  return { srv, sock, client }
}

test(
  'finding 8: revoking a token closes its /mobwrite socket and ends its Bayeux session at once',
  { timeout: 20_000 },
  async (t) => {
    const { srv, sock, client } = await aliceOnBoth(t, 'rev/a')
    const inbox: unknown[] = []
    client.cometd.addListener('/user/alice/inbox', (m) => void inbox.push(m.data))
    assert.equal((await client.subscribe('/user/alice/inbox')).successful, true)
    srv.store.revokeTokens('alice', Date.now())
    const { code, messages } = await sock.closed
    assert.equal(code, 4401)
    assert.ok(
      messages.some((m) => m.includes('ERR_TOKEN_INVALID')),
      messages.join('|'),
    )
    const bayeux = srv.tandem.app.bayeux
    await waitFor(() => bayeux.getSession(client.clientId) === undefined)
    bayeux.publish('/user/alice/inbox', { secret: 1 })
    assert.match(await postFrom(srv, 'u:writer02\nF:0:rev/a\nr:1:changed\n\n'), /^F:1:/m)
    assert.deepEqual(inbox, [])
    assert.deepEqual(client.pushes, [])
  },
)

test(
  'finding 8: a rule turned to none stops that document’s pushes to live sessions',
  { timeout: 20_000 },
  async (t) => {
    const { srv, sock, client } = await aliceOnBoth(t, 'rule/a')
    srv.store.putRule({
      pattern: 'rule/a',
      principal: 'alice',
      access: 'none',
      createdMs: Date.now(),
    })
    assert.match(await postFrom(srv, 'u:writer03\nF:0:rule/a\nr:1:changed\n\n'), /^F:1:/m)
    // A later change to a document alice still has shows the pushes would have arrived by now.
    assert.match(await sock.send('u:alic0001\nF:0:rule/b\nr:1:b\n\n'), /^F:1:/m)
    assert.match(await client.request('u:alic0002\nF:0:rule/b\nr:1:b\n\n'), /^F:1:/m)
    assert.match(await postFrom(srv, 'u:writer03\nF:0:rule/b\nr:1:changed\n\n'), /^F:1:/m)
    await waitFor(() => sock.pushes.some((p) => p.includes('rule/b')))
    await waitFor(() => client.pushes.some((p) => p.includes('rule/b')))
    assert.deepEqual(
      sock.pushes.filter((p) => p.includes('rule/a')),
      [],
    )
    assert.deepEqual(
      client.pushes.filter((p) => p.includes('rule/a')),
      [],
    )
  },
)
