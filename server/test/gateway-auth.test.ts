// Access rules on every gateway path: a writer writes, a read-only user's edits are refused and
// never applied, a denied user learns nothing about the text, and tokens travel as the
// Authorization header or the `token` parameter (HTTP form, JSONP, WebSocket query).

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { WebSocket } from 'ws'
import { issueToken } from '../auth/tokens.ts'
import { startGatewayServer, type GatewayServer } from './gateway-harness.ts'
import {
  get,
  jsonpQuery,
  postForm,
  runJsonp,
  tcpExchange,
  withoutCollaborators,
  xhrBody,
} from './gateway-clients.ts'

let gw: GatewayServer
const tokens = new Map<string, string>()
before(async () => {
  gw = await startGatewayServer((c) => {
    c.auth.defaultAccess = 'none'
  })
  for (const [name, access] of [
    ['alice', 'write'],
    ['bob', 'read'],
    ['carol', 'none'],
  ] as const) {
    tokens.set(name, issueToken(gw.store, name).token)
    gw.store.putRule({ pattern: 'team/*', principal: name, access, createdMs: Date.now() })
  }
  const seeded = await postForm(
    gw.srv.url + '/mobwrite',
    xhrBody('u:seed\nF:0:team/plan\nr:1:secret plan\n\n'),
    {
      Authorization: `Bearer ${tokens.get('alice')}`,
    },
  )
  assert.equal(seeded.text, 'F:1:team/plan\nd:0:=11\n\n')
})
after(() => gw.close())
const sockets: WebSocket[] = []
after(() => sockets.forEach((ws) => ws.terminate()))
const opts = { timeout: 10_000 }
const doc = () => gw.sync.readDocument('team/plan')?.text

/** Runs one request as `who` over each token-carrying gateway path; returns the answers. */
async function everyPath(who: string, request: (user: string) => string): Promise<string[]> {
  const token = tokens.get(who)!
  const url = gw.srv.url + '/scripts/q.py'
  const header = await postForm(url, xhrBody(request(`${who}-h`)), {
    Authorization: `Bearer ${token}`,
  })
  const param = await postForm(url, `${xhrBody(request(`${who}-f`))}&token=${token}`)
  const jsonp = await get(`${url}${jsonpQuery(request(`${who}-j`))}&token=${token}`)
  const ws = new WebSocket(`${gw.mobwriteWsUrl}?token=${token}`)
  sockets.push(ws)
  await new Promise((resolve) => ws.once('open', resolve))
  const wsAnswer = new Promise<string>((resolve) => ws.once('message', (d) => resolve(String(d))))
  ws.send(request(`${who}-w`))
  const answers = [
    header.text.slice(0, -1),
    param.text.slice(0, -1),
    runJsonp(jsonp.text),
    await wsAnswer,
  ]
  return answers
}

test('a writer edits through every path', opts, async () => {
  const answers = await everyPath('alice', (u) => `u:${u}\nF:0:team/plan\nr:1:secret plan\n\n`)
  for (const answer of answers) {
    assert.equal(withoutCollaborators(answer), 'F:1:team/plan\nd:0:=11\n')
  }
})

test('a read-only user gets O: and the text, and cannot change it', opts, async () => {
  const answers = await everyPath('bob', (u) => `u:${u}\nF:0:team/plan\nR:0:overwritten!\n\n`)
  for (const answer of answers) {
    assert.match(answer, /^O:team\/plan$/m, answer)
    assert.match(answer, /^E:team\/plan:/m, answer)
  }
  const reads = await everyPath('bob', (u) => `u:${u}b\nF:0:team/plan\nr:1:\n\n`)
  for (const answer of reads) assert.match(answer, /d:0:\+secret plan\n/, answer)
  assert.equal(doc(), 'secret plan')
})

test('a denied user learns nothing about the text or who is on it', opts, async () => {
  const denied = 'E:team/plan:ERR_ACCESS_DENIED: You may not open this document\n'
  const reads = await everyPath('carol', (u) => `u:${u}\nF:0:team/plan\nr:1:\n\n`)
  for (const answer of reads) assert.equal(answer, denied)
  const writes = await everyPath(
    'carol',
    (u) => `u:${u}\nF:0:team/plan\nR:0:mine now\nN:team/plan\n\n`,
  )
  for (const answer of writes) assert.equal(answer, denied + denied)
  assert.equal(doc(), 'secret plan')
})

test('anonymous TCP and an unknown token are refused by the rules', opts, async () => {
  const tcp = await tcpExchange(gw.tcpPort, 'u:anon\nF:0:team/plan\nr:1:\n\n')
  assert.match(tcp, /^E:team\/plan:/m)
  assert.doesNotMatch(tcp, /secret/)
  const bad = await postForm(gw.srv.url + '/mobwrite', xhrBody('u:x\nF:0:team/plan\nr:1:\n\n'), {
    Authorization: 'Bearer not-a-token',
  })
  assert.match(bad.text, /^E:all:The token is unknown or revoked/)
})
