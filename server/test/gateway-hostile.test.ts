// Hostile input on the HTTP gateway: oversized bodies and queries, broken escapes, invalid
// UTF-8, odd methods and headers. Every one gets a clean 200 answer (with an E: line) or a
// plain HTTP refusal, and the server keeps serving other clients.

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { request } from 'node:http'
import { startGatewayServer, type GatewayServer } from './gateway-harness.ts'
import { get, postForm, splitBlocks, tcpExchange, xhrBody } from './gateway-clients.ts'

let gw: GatewayServer
let q: string
before(async () => {
  gw = await startGatewayServer((c) => {
    c.gateway.maxBodyBytes = 2_048
    c.gateway.maxQueryBytes = 1_024
    c.gateway.httpBodyTimeoutMs = 300
  })
  q = gw.srv.url + '/scripts/q.py'
})
after(() => gw.close())
const opts = { timeout: 10_000 }

async function stillServing(): Promise<void> {
  const res = await postForm(q, xhrBody('U:ok\n\n'))
  assert.equal(res.text, '\n')
}

test('oversized body: E:all answer, connection closed, server fine', opts, async () => {
  const res = await postForm(q, xhrBody('u:x\nF:0:big\nr:1:' + 'y'.repeat(5_000) + '\n\n'))
  assert.equal(res.status, 200)
  assert.equal(res.text, 'E:all:Request body larger than 2048 bytes (gateway.maxBodyBytes)\n\n')
  assert.equal(gw.sync.readDocument('big'), undefined)
  await stillServing()
})

test('oversized body without Content-Length (chunked) is cut off too', opts, async () => {
  const text = await new Promise<string>((resolve, reject) => {
    const req = request(q, { method: 'POST', headers: { 'Transfer-Encoding': 'chunked' } })
    req.on('response', (res) => {
      let body = ''
      res.on('data', (c) => (body += c))
      res.on('end', () => {
        resolve(body)
        req.destroy()
      })
    })
    req.on('error', reject)
    req.write('q=' + 'a'.repeat(3_000))
    // Never finish the body: the gateway must answer without waiting for it.
  })
  assert.match(text, /^E:all:Request body larger than 2048 bytes/)
  await stillServing()
})

test('oversized JSONP query answers as JSONP', opts, async () => {
  const res = await get(q + '?p=' + 'u'.repeat(2_000))
  assert.equal(res.status, 200)
  assert.match(res.text, /^mobwrite\.callback\("E:all:Query string larger than 1024 bytes/)
})

test(
  'broken escapes and invalid UTF-8: 200 with E:all, in the caller`s framing',
  opts,
  async () => {
    for (const body of ['q=%zz', 'q=u%3Aa%0A%E3%81', 'q=%C3%28%0A%0A', 'q=%']) {
      const res = await postForm(q, body)
      assert.equal(res.status, 200, body)
      assert.match(res.text, /^E:all:.+\n\n$/, body)
    }
    const jsonp = await get(q + '?p=%FF%0A%0A')
    assert.equal(jsonp.text, 'mobwrite.callback("E:all:Form data is not valid UTF-8\\n");')
    await stillServing()
  },
)

test('invalid escapes inside the protocol (deltas) resync instead of failing', opts, async () => {
  assert.equal(
    (await postForm(q, xhrBody('u:e\nF:0:esc\nr:1:abc\n\n'))).text,
    'F:1:esc\nd:0:=3\n\n',
  )
  const res = await postForm(q, xhrBody('u:e\nF:1:esc\nd:1:=3\t+%E3%81\n\n'))
  assert.equal(res.status, 200)
  assert.match(res.text, /^F:\d+:esc\nR:1:abc\n\n$/)
  assert.equal(gw.sync.readDocument('esc')?.text, 'abc')
})

test('no q or p, odd methods and unknown headers', opts, async () => {
  const none = await postForm(q, 'x=1')
  assert.equal(none.text, 'E:all:The request has no q or p field\n\n')
  const put = await fetch(q, { method: 'PUT', body: 'q=x' })
  assert.equal(put.status, 405)
  assert.equal(put.headers.get('allow'), 'GET, POST, OPTIONS')
  await put.text()
  const odd = await postForm(q, xhrBody('u:hdr\nF:0:hdr\nr:1:ok\n\n'), {
    'X-Unknown': 'x'.repeat(4_000),
    'Content-Type': 'text/weird',
    Authorization: 'Basic Zm9vOmJhcg==',
  })
  assert.equal(odd.text, 'F:1:hdr\nd:0:=2\n\n')
})

test('the rate limit answers E:all with its code on every gateway path', opts, async (t) => {
  const limited = await startGatewayServer((c) => {
    c.auth.rateBurst = 2
    c.auth.ratePerSecond = 0.001
  })
  t.after(() => limited.close())
  const url = limited.srv.url + '/mobwrite'
  assert.equal((await postForm(url, xhrBody('u:r\nF:0:rl\nr:1:x\n\n'))).text, 'F:1:rl\nd:0:=1\n\n')
  // Fragments of a buffered request do not count; the whole request does (the view's second).
  const blocks = splitBlocks(
    url,
    'u:r\nF:1:rl\nd:1:=1\t+' + 'y'.repeat(400) + '\n\n',
    100,
    'fragment',
  )
  assert.ok(blocks.length > 3, `${blocks.length} blocks`)
  for (const block of blocks.slice(0, -1))
    assert.equal((await get(block)).text, 'mobwrite.callback("");')
  assert.match((await get(blocks.at(-1)!)).text, /^mobwrite\.callback\("F:2:rl/)
  const refused = await postForm(url, xhrBody('u:r\nF:2:rl\nd:2:=401\t+z\n\n'))
  assert.match(refused.text, /^E:all:ERR_RATE_LIMITED: .+ retry after \d+ ms\n\n$/)
  // The view is the client: TCP, same `u:` and file, shares its bucket; another view does not.
  assert.match(await tcpExchange(limited.tcpPort, 'u:r\nF:2:rl\nd:2:=401\t+z\n\n'), /^E:all:/)
  assert.equal((await postForm(url, xhrBody('u:s\nF:0:rl\nr:1:\n\n'))).text.slice(0, 5), 'F:1:r')
  assert.equal(limited.sync.readDocument('rl')?.text, 'x' + 'y'.repeat(400))
})

test('slowloris body: dripping bytes does not extend the body deadline', opts, async () => {
  const started = Date.now()
  const req = request(q, { method: 'POST', headers: { 'Content-Length': '1000' } })
  req.on('error', () => {})
  const drip = setInterval(() => req.write('q'), 50)
  const text = await new Promise<string>((resolve) => {
    req.on('response', (res) => {
      let body = ''
      res.on('data', (c) => (body += c))
      res.on('end', () => resolve(body))
    })
    req.write('q=')
  })
  clearInterval(drip)
  req.destroy()
  assert.equal(
    text,
    'E:all:Request body not received within 300 ms (gateway.httpBodyTimeoutMs)\n\n',
  )
  assert.ok(Date.now() - started < 3_000)
  await stillServing()
})
