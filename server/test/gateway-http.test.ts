// The HTTP gateway replayed with the exact requests the original clients build (core.js XHR
// form POST, JSONP GET with b: splitting, the Java client's URLEncoder) and exact answers
// (mobwrite-notes §1.7–§1.11).

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { collaboratorId } from '../sync/engine-collaborators.ts'
import { startGatewayServer, type GatewayServer } from './gateway-harness.ts'
import {
  get,
  javaUrlEncode,
  jsonpQuery,
  postForm,
  splitBlocks,
  xhrBody,
} from './gateway-clients.ts'

let gw: GatewayServer
let q: string
before(async () => {
  gw = await startGatewayServer()
  q = gw.srv.url + '/scripts/q.py'
})
after(() => gw.close())
const opts = { timeout: 10_000 }

/**
 * One XHR sync as core.js sends it; returns the answer text without `C:` collaborator lines
 * (a Mozilla extension the original client skips as unknown; tested on their own below).
 */
async function xhr(text: string, path = '/scripts/q.py'): Promise<string> {
  const res = await postForm(gw.srv.url + path, xhrBody(text))
  assert.equal(res.status, 200)
  assert.equal(res.type, 'text/plain; charset=utf-8')
  return res.text.replace(/^C:.*\n/gm, '')
}

test('XHR first sync: q=encodeURIComponent(text) → answer + blank line (§1.9)', opts, async () => {
  const body = xhrBody('u:abcdefgh\nF:0:demo\nr:1:Hi there\n\n')
  assert.equal(body, 'q=u%3Aabcdefgh%0AF%3A0%3Ademo%0Ar%3A1%3AHi%20there%0A%0A')
  assert.equal((await postForm(q, body)).text, 'F:1:demo\nd:0:=8\n\n')
  assert.equal(gw.sync.readDocument('demo')?.text, 'Hi there')
  // The same exchange at /mobwrite.
  assert.equal(await xhr('u:abcdefgh\nF:1:demo\nd:1:=8\n\n', '/mobwrite'), 'F:2:demo\nd:1:=8\n\n')
})

test('JSONP GET ?p= answers mobwrite.callback without the extra blank line', opts, async () => {
  const query = jsonpQuery('u:abcdefgh\nF:0:demo-p\nr:1:Hi there\n\n')
  assert.equal(query, '?p=u%3Aabcdefgh%0AF%3A0%3Ademo-p%0Ar%3A1%3AHi+there%0A%0A')
  const res = await get(q + query)
  assert.equal(res.status, 200)
  assert.equal(res.type, 'application/javascript; charset=utf-8')
  assert.equal(res.text, 'mobwrite.callback("F:1:demo-p\\nd:0:=8\\n");')
  // p also works in a POST body.
  const posted = await postForm(q, 'p=' + encodeURIComponent('u:abcdefgh\nF:1:demo-p\nd:1:=8\n\n'))
  assert.equal(posted.text, 'mobwrite.callback("F:2:demo-p\\nd:1:=8\\n");')
})

test(
  'JSONP b: splitting: blocks arrive in any order, only the last one answers',
  opts,
  async () => {
    const long = 'The quick brown fox jumps over the lazy dog? '.repeat(60)
    const request = `u:splitter\nF:0:long\nr:1:${encodeURI(long).replace(/%20/g, ' ')}\n\n`
    const urls = splitBlocks(q, request, 1000, 'abcdefgh')
    assert.ok(urls.length > 3, `${urls.length} blocks`)
    assert.ok(urls.every((u) => u.length <= 1000))
    const order = urls.map((_, i) => i).sort((a, b) => ((a * 7) % 5) - ((b * 7) % 5))
    const bodies: string[] = []
    for (const i of order.slice(0, -1)) bodies.push((await get(urls[i]!)).text)
    assert.deepEqual(new Set(bodies), new Set(['mobwrite.callback("");']))
    const last = await get(urls[order.at(-1)!]!)
    assert.equal(last.text, `mobwrite.callback("F:1:long\\nd:0:=${long.length}\\n");`)
    assert.equal(gw.sync.readDocument('long')?.text, long)
    assert.equal(gw.gateways.buffers.size, 0)
  },
)

test('concurrent JSONP blocks (all script tags at once) complete exactly once', opts, async () => {
  const text = 'x'.repeat(900)
  const urls = splitBlocks(q, `u:conc\nF:0:conc\nr:1:${text}\n\n`, 200, 'zyxwvuts')
  const answers = await Promise.all(urls.map((u) => get(u)))
  const full = answers.filter((a) => a.text !== 'mobwrite.callback("");')
  assert.equal(full.length, 1)
  assert.equal(full[0]!.text, `mobwrite.callback("F:1:conc\\nd:0:=900\\n");`)
})

test('u: is echoed only for U:, once per user change (§1.4, §1.11)', opts, async () => {
  assert.equal(
    await xhr('U:zed\nF:0:docA\nr:1:one\nF:0:docB\nr:1:two%0Alines\n\n'),
    'u:zed\nF:1:docA\nd:0:=3\nF:1:docB\nd:0:=9\n\n',
  )
  assert.equal(await xhr('u:zed\nF:1:docA\nd:1:=3\n\n'), 'F:2:docA\nd:1:=3\n\n')
})

test('F: versions and d: merge (server.xml "Simple merge")', opts, async () => {
  assert.equal(await xhr('f:0:t1\nu:a\nR:0:Hello world\n\n'), 'F:0:t1\nD:0:=11\n\n')
  assert.equal(
    await xhr('f:0:t1\nU:b\nR:0:Hello world\nd:0:-5\t+Goodbye\t=6\n\n'),
    'u:b\nF:1:t1\nd:0:=13\n\n',
  )
  assert.equal(
    await xhr('f:1:t1\nU:a\nd:0:=9\t-2\t+m\n\n'),
    'u:a\nF:1:t1\nd:1:-5\t+Goodbye\t=5\n\n',
  )
  assert.equal(gw.sync.readDocument('t1')?.text, 'Goodbye worm')
})

test('D: overwrite answers D:, last writer wins (server.xml "Numeric merge")', opts, async () => {
  assert.equal(await xhr('u:a\nF:0:num\nR:0:23\n\n'), 'F:0:num\nD:0:=2\n\n')
  assert.equal(await xhr('u:b\nF:0:num\nR:0:23\n\n'), 'F:0:num\nD:0:=2\n\n')
  assert.equal(await xhr('u:b\nF:1:num\nD:0:+1\t=2\n\n'), 'F:1:num\nD:1:=3\n\n')
  assert.equal(await xhr('u:a\nF:1:num\nD:0:=2\t+4\n\n'), 'F:1:num\nD:1:=3\n\n')
  assert.equal(gw.sync.readDocument('num')?.text, '234')
})

test('an unacknowledged edit is resent after a lost answer (backup shadow)', opts, async () => {
  assert.equal(await xhr('u:a\nf:0:lost\nR:0:Hello world\n\n'), 'F:0:lost\nD:0:=11\n\n')
  assert.equal(await xhr('u:b\nf:0:lost\nR:0:Goodbye world\n\n'), 'F:0:lost\nD:0:=13\n\n')
  // This answer is "lost": the client never applies it. (A raw overwrite's change is read off
  // the two texts, which keep the "o" the words share: merge.ts editHunks.)
  const edit = 'd:1:-4\t+G\t=1\t+odbye\t=6'
  assert.equal(await xhr('u:a\nf:1:lost\nd:0:=11\n\n'), `F:1:lost\n${edit}\n\n`)
  assert.equal(await xhr('u:a\nf:1:lost\nd:0:=11\nd:1:=11\n\n'), `F:2:lost\n${edit}\n\n`)
})

test('the Java client form: URLEncoder spaces are +, a literal + is %2B', opts, async () => {
  const text = 'u:java\nF:0:jdoc\nr:1:a+b c\n\n'
  const body = 'q=' + javaUrlEncode(text)
  assert.equal(body, 'q=u%3Ajava%0AF%3A0%3Ajdoc%0Ar%3A1%3Aa%2Bb+c%0A%0A')
  assert.equal((await postForm(q, body)).text, 'F:1:jdoc\nd:0:=5\n\n')
  assert.equal(gw.sync.readDocument('jdoc')?.text, 'a+b c')
})

test(
  'unknown commands and junk lines are ignored (server.xml "Ignore bad commands")',
  opts,
  async () => {
    assert.equal(await xhr('u:junk\nx:foo\nUNKNOWN COMMAND\nZ:9:q\n\n'), '\n')
    assert.equal(await xhr('u:junk\nF:0:docJ\n\n'), '\n')
  },
)

test('C: lines name the other views of a file by their server-derived handle', opts, async () => {
  await xhr('u:c1\nF:0:collab\nr:1:x\n\n')
  const res = await postForm(q, xhrBody('u:c2\nF:0:collab\nr:1:x\n\n'))
  const id = collaboratorId('c1', 'collab')
  assert.equal(res.text, `F:1:collab\nd:0:=1\nC:~anonymous:127.0.0.1:{"id":"${id}"}\n\n`)
})

test('a forged h:/H: line is ignored: the handle is the server-derived one', opts, async () => {
  await xhr('H:mallory:6.6.6.6\nu:forger\nh:root:1.1.1.1\nF:0:forged\nr:1:x\n\n')
  const views = gw.sync.listLiveViews('forged')
  assert.deepEqual(
    views.map((v) => v.handle),
    ['~anonymous:127.0.0.1'],
  )
})

test('CORS: allowed origins get headers and preflights; others are refused', opts, async (t) => {
  const own = await startGatewayServer((c) => {
    c.gateway.corsOrigins = ['https://app.example']
    // The edge policy (server/ops) refuses foreign origins on every transport path first.
    c.auth.allowedOrigins = ['https://app.example']
  })
  t.after(() => own.close())
  const url = own.srv.url + '/mobwrite'
  const pre = await fetch(url, {
    method: 'OPTIONS',
    headers: { Origin: 'https://app.example', 'Access-Control-Request-Method': 'POST' },
  })
  assert.equal(pre.status, 204)
  assert.equal(pre.headers.get('access-control-allow-origin'), 'https://app.example')
  assert.match(pre.headers.get('access-control-allow-headers') ?? '', /Authorization/)
  const ok = await postForm(url, xhrBody('u:c\n\n'), { Origin: 'https://app.example' })
  assert.equal(ok.status, 200)
  // Another origin is refused by the edge policy before the gateway runs (its refusal carries
  // CORS headers so that a page can read why: server/ops/ops.ts httpGuard).
  const res = await fetch(url, { method: 'POST', headers: { Origin: 'https://evil.example' } })
  assert.equal(res.status, 403)
  assert.equal(((await res.json()) as { code: string }).code, 'ERR_ORIGIN_FORBIDDEN')
})

test('non-ASCII, %, + and tabs survive both encodings exactly', opts, async () => {
  const text = 'naïve 😀 100% a+b\tc & d=e\n2nd line'
  const raw = encodeURI(text).replace(/%20/g, ' ')
  assert.equal(await xhr(`u:uni\nF:0:uni\nr:1:${raw}\n\n`), `F:1:uni\nd:0:=${text.length}\n\n`)
  assert.equal(gw.sync.readDocument('uni')?.text, text)
  // The same text through JSONP, split into b: blocks.
  const urls = splitBlocks(q, `u:uni2\nF:0:uni2\nr:1:${raw}\n\n`, 80, 'unicode1')
  assert.ok(urls.length > 1)
  const answers = await Promise.all(urls.reverse().map((u) => get(u)))
  assert.ok(
    answers.some((a) => a.text === `mobwrite.callback("F:1:uni2\\nd:0:=${text.length}\\n");`),
  )
  assert.equal(gw.sync.readDocument('uni2')?.text, text)
})
