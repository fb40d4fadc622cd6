// The /mobwrite WebSocket gateway: one request per message, one answer per message in order,
// push hints `{"sync":[files]}` to other sockets with a view, identity at the upgrade.

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { WebSocket } from 'ws'
import { issueToken } from '../auth/tokens.ts'
import { defaultConfig } from '../config.ts'
import { createRuntimeControls } from '../ops/controls.ts'
import { startGatewayServer, type GatewayServer } from './gateway-harness.ts'
import { postForm, withoutCollaborators, xhrBody } from './gateway-clients.ts'

let gw: GatewayServer
before(async () => {
  gw = await startGatewayServer((c) => {
    c.gateway.wsMaxMessageBytes = 4_096
  })
})
after(() => gw.close())
const sockets: WebSocket[] = []
after(() => sockets.forEach((ws) => ws.terminate()))
const opts = { timeout: 10_000 }

/** A /mobwrite socket whose messages are queued for `next()`. */
interface Socket {
  readonly ws: WebSocket
  /** Resolves with the next message (answer or hint), without `C:` lines. */
  next(): Promise<string>
  /** Resolves with the close code and reason. */
  readonly closed: Promise<{ code: number; reason: string }>
}

async function open(
  url: string,
  headers: Record<string, string> = {},
  autoPong = true,
): Promise<Socket> {
  const ws = new WebSocket(url, { headers, autoPong })
  const queue: string[] = []
  const waiters: Array<(m: string) => void> = []
  ws.on('message', (data) => {
    const text = String(data)
    const waiter = waiters.shift()
    if (waiter) waiter(text)
    else queue.push(text)
  })
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })),
  )
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('error', reject)
  })
  sockets.push(ws)
  const next = async () =>
    withoutCollaborators(
      queue.length > 0
        ? queue.shift()!
        : await new Promise<string>((resolve) => waiters.push(resolve)),
    )
  return { ws, next, closed }
}

test('one answer per message, in request order; the blank line is optional', opts, async () => {
  const s = await open(gw.mobwriteWsUrl)
  s.ws.send('u:w1\nF:0:wdoc\nr:1:abc\n\n')
  s.ws.send('u:w1\nF:1:wdoc\nd:1:=3\n\n')
  s.ws.send('u:w1\nF:2:wdoc\nd:2:=3')
  s.ws.send('u:w1\nx:nothing\n\n')
  assert.equal(await s.next(), 'F:1:wdoc\nd:0:=3\n')
  assert.equal(await s.next(), 'F:2:wdoc\nd:1:=3\n')
  assert.equal(await s.next(), 'F:3:wdoc\nd:2:=3\n')
  assert.equal(await s.next(), '')
})

test('push hints reach other sockets with a view, never the author', opts, async () => {
  const a = await open(gw.mobwriteWsUrl)
  const b = await open(gw.mobwriteWsUrl)
  a.ws.send('u:pa\nF:0:pushed\nr:1:hello\n\n')
  assert.equal(await a.next(), 'F:1:pushed\nd:0:=5\n')
  b.ws.send('u:pb\nF:0:pushed\nr:1:hello\n\n')
  assert.equal(await b.next(), 'F:1:pushed\nd:0:=5\n')
  // b's new view changed a's collaborator list (C:), so a is told to sync.
  assert.equal(await a.next(), '{"sync":["pushed"]}')
  a.ws.send('u:pa\nF:1:pushed\nd:1:=5\t+ world\n\n')
  assert.equal(await a.next(), 'F:2:pushed\nd:1:=11\n')
  assert.equal(await b.next(), '{"sync":["pushed"]}')
  // b syncs and gets a's edit; a's next message is its own answer, not a hint.
  b.ws.send('u:pb\nF:1:pushed\nd:1:=5\n\n')
  assert.equal(await b.next(), 'F:2:pushed\nd:1:=5\t+ world\n')
  a.ws.send('u:pa\nF:2:pushed\nd:2:=11\n\n')
  assert.equal(await a.next(), 'F:3:pushed\nd:2:=11\n')
  // An edit through another gateway (HTTP) also hints both sockets.
  await postForm(gw.srv.url + '/mobwrite', xhrBody('u:ph\nF:0:pushed\nR:0:hello world!\n\n'))
  assert.equal(await a.next(), '{"sync":["pushed"]}')
  assert.equal(await b.next(), '{"sync":["pushed"]}')
})

test(
  'ending a document tells its sockets {"ended": file}, even while push is off',
  opts,
  async (t) => {
    const controls = createRuntimeControls(defaultConfig.ops, 30_000, 60_000)
    t.after(controls.attach(gw.srv.app.bayeux, gw.sync))
    const a = await open(gw.mobwriteWsUrl)
    a.ws.send('u:ea\nF:0:ending\nr:1:bye\n\n')
    assert.equal(await a.next(), 'F:1:ending\nd:0:=3\n')
    assert.deepEqual(await controls.endDocument('ending'), { closedViews: 1, notifiedSessions: 1 })
    assert.equal(await a.next(), '{"ended":"ending"}')
    // While push is off, change hints are held back but an ended notice still goes out.
    controls.setPushActive(false)
    a.ws.send('u:ea\nF:1:other\nr:1:x\n\n')
    await a.next()
    assert.deepEqual(await controls.endDocument('other'), { closedViews: 1, notifiedSessions: 1 })
    assert.equal(await a.next(), '{"ended":"other"}')
  },
)

test('invalid UTF-8 and oversized messages', opts, async () => {
  const s = await open(gw.mobwriteWsUrl)
  s.ws.send(Buffer.from([0x75, 0x3a, 0xc3, 0x28, 0x0a, 0x0a]), { binary: true })
  assert.equal(await s.next(), 'E:all:Request is not valid UTF-8\n')
  s.ws.send('u:' + 'x'.repeat(5_000))
  assert.equal((await s.closed).code, 1009)
})

test('identity at the upgrade: token header or parameter; refusal closes 4401', opts, async (t) => {
  const locked = await startGatewayServer((c) => {
    c.auth.allowAnonymous = false
  })
  t.after(() => locked.close())
  const refused = await open(locked.mobwriteWsUrl)
  assert.equal(
    await refused.next(),
    'E:all:This server requires a token; anonymous access is off\n',
  )
  assert.deepEqual(await refused.closed, { code: 4401, reason: 'ERR_ANONYMOUS_DISABLED' })
  const { token } = issueToken(locked.store, 'alice')
  const byHeader = await open(locked.mobwriteWsUrl, { Authorization: `Bearer ${token}` })
  byHeader.ws.send('u:al\nF:0:mine\nr:1:hi\n\n')
  assert.equal(await byHeader.next(), 'F:1:mine\nd:0:=2\n')
  const byParam = await open(`${locked.mobwriteWsUrl}?token=${encodeURIComponent(token)}`)
  byParam.ws.send('u:al2\nF:0:mine\nr:1:hi\n\n')
  assert.equal(await byParam.next(), 'F:1:mine\nd:0:=2\n')
  assert.deepEqual(
    locked.sync.listLiveViews('mine').map((v) => v.handle),
    ['alice:127.0.0.1', 'alice:127.0.0.1'],
  )
  const bad = await open(`${locked.mobwriteWsUrl}?token=nope`)
  assert.match(await bad.next(), /^E:all:The token is unknown or revoked/)
  assert.equal((await bad.closed).code, 4401)
})

test('heartbeat: a socket that stops answering pings is dropped, others stay', opts, async (t) => {
  const beating = await startGatewayServer((c) => {
    c.gateway.wsPingIntervalMs = 50
  })
  t.after(() => beating.close())
  const deaf = await open(beating.mobwriteWsUrl, {}, false)
  const healthy = await open(beating.mobwriteWsUrl)
  assert.equal((await deaf.closed).code, 1006)
  healthy.ws.send('u:hb\n\n')
  assert.equal(await healthy.next(), '')
  assert.equal(healthy.ws.readyState, WebSocket.OPEN)
})
