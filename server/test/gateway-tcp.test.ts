// The TCP gateway: the daemon's framing (read to the blank line, answer, close), its limits
// (per-request deadline, size), and hostile input that must not disturb other clients.

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { waitFor } from './harness.ts'
import { startGatewayServer, type GatewayServer } from './gateway-harness.ts'
import { postForm, tcpExchange, xhrBody } from './gateway-clients.ts'

let gw: GatewayServer
before(async () => {
  gw = await startGatewayServer((c) => {
    c.gateway.tcpReadTimeoutMs = 400
    c.gateway.tcpMaxRequestBytes = 4_096
  })
})
after(() => gw.close())
const opts = { timeout: 10_000 }

test('answers the daemon bytes (no blank line of its own) and closes', opts, async () => {
  const answer = await tcpExchange(gw.tcpPort, 'u:carol\nF:0:tdoc\nr:1:Hello world\n\nafter')
  assert.equal(answer, 'F:1:tdoc\nd:0:=11\n')
  assert.equal(await tcpExchange(gw.tcpPort, 'u:carol\nF:0:tdoc2\n\n'), '')
})

test('CRLF lines, and a client that half-closes after its blank line', opts, async () => {
  const answer = await tcpExchange(gw.tcpPort, 'U:dave\r\nF:0:tdoc3\r\nr:1:abc\r\n\r\n', {
    halfClose: true,
  })
  assert.equal(answer, 'u:dave\nF:1:tdoc3\nd:0:=3\n')
})

test('an unterminated request that ends its input gets no answer (§1.2)', opts, async () => {
  const answer = await tcpExchange(gw.tcpPort, 'u:erin\nF:0:tdoc4\nr:1:abc\n', { halfClose: true })
  assert.equal(answer, '')
  assert.equal(gw.sync.readDocument('tdoc4'), undefined)
})

test('an oversized request is refused with E:all and closed', opts, async () => {
  const answer = await tcpExchange(gw.tcpPort, 'u:big\nF:0:big\nr:1:' + 'x'.repeat(8_000))
  assert.match(answer, /^E:all:Request larger than 4096 bytes\n$/)
})

test('invalid UTF-8 is answered with E:all', opts, async () => {
  const bytes = Buffer.concat([
    Buffer.from('u:bad\nF:0:utf\nr:1:'),
    Buffer.from([0xc3, 0x28]),
    Buffer.from('\n\n'),
  ])
  assert.equal(await tcpExchange(gw.tcpPort, bytes), 'E:all:Request is not valid UTF-8\n')
})

test(
  'slowloris: dripping bytes does not extend the deadline; others are served',
  opts,
  async () => {
    const started = Date.now()
    const slow = connect(gw.tcpPort, '127.0.0.1')
    slow.on('error', () => {})
    const drip = setInterval(() => slow.write('u'), 50)
    const closed = new Promise<void>((resolve) => slow.on('close', () => resolve()))
    // Meanwhile a normal TCP client and an HTTP client are answered at once.
    assert.equal(await tcpExchange(gw.tcpPort, 'u:f\nF:0:fast\nr:1:ok\n\n'), 'F:1:fast\nd:0:=2\n')
    const http = await postForm(gw.srv.url + '/mobwrite', xhrBody('u:f\nF:1:fast\nd:1:=2\n\n'))
    assert.equal(http.text, 'F:2:fast\nd:1:=2\n\n')
    await closed
    clearInterval(drip)
    const elapsed = Date.now() - started
    assert.ok(elapsed >= 350 && elapsed < 3_000, `closed after ${elapsed} ms`)
  },
)

test('a silent client is dropped at the deadline', opts, async () => {
  const answer = await tcpExchange(gw.tcpPort, 'u:quiet\nF:0:quiet\n')
  assert.equal(answer, '')
})

test('a client that keeps its side open after the answer loses its slot', opts, async (t) => {
  const socket = connect({ port: gw.tcpPort, host: '127.0.0.1', allowHalfOpen: true })
  t.after(() => socket.destroy())
  let answer = ''
  socket.on('data', (chunk) => (answer += chunk))
  const ended = new Promise<void>((resolve) => socket.once('end', () => resolve()))
  socket.write('u:linger\nF:0:linger\nr:1:ok\n\n')
  await ended
  assert.equal(answer, 'F:1:linger\nd:0:=2\n')
  // The server lets go of the socket even though this client never closes its side.
  const server = gw.gateways.tcp!.server
  const count = () => new Promise<number>((resolve) => server.getConnections((_, n) => resolve(n)))
  await waitFor(async () => (await count()) === 0, { timeoutMs: 3_000 })
})
