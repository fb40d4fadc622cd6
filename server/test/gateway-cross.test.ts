// Four clients on four paths edit one document at once and converge: the HTTP gateway (XHR
// form), the TCP gateway, the /mobwrite WebSocket and Bayeux (the official CometD client). Each
// runs the engine's client half (shared/sync/client.ts); only the transport differs.

import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { WebSocket } from 'ws'
import {
  applyAnswer,
  buildRequest,
  createClientView,
  type ClientView,
} from '../../shared/sync/client.ts'
import { createCometD, disconnect, handshake, remoteCall } from './bayeux-clients.ts'
import { startGatewayServer } from './gateway-harness.ts'
import { postForm, tcpExchange, xhrBody } from './gateway-clients.ts'

const file = 'cross/doc'

/** One client: its text, its view and how it sends a request (resolving with the answer). */
interface Peer {
  readonly name: string
  text: string
  view: ClientView
  send(request: string): Promise<string>
}

function peer(name: string, send: (request: string) => Promise<string>): Peer {
  return { name, text: '', view: createClientView(file, { mergeChanges: true }), send }
}

async function sync(p: Peer): Promise<void> {
  const built = buildRequest(`${p.name}-user`, [p.view], new Map([[file, p.text]]), {})
  p.view = built.views[0] ?? p.view
  const answer = await p.send(built.request)
  // Edits typed while the request was out are kept: the answer is applied to the current text.
  const { views, results } = applyAnswer(answer, [p.view], new Map([[file, p.text]]))
  p.view = views[0] ?? p.view
  const result = results.get(file)
  if (result?.textChanged) p.text = result.text
}

const sockets: WebSocket[] = []
after(() => sockets.forEach((ws) => ws.terminate()))

function openWs(url: string): Promise<(request: string) => Promise<string>> {
  const ws = new WebSocket(url)
  sockets.push(ws)
  const waiting: Array<(answer: string) => void> = []
  ws.on('message', (data) => {
    const text = String(data)
    if (!text.startsWith('{')) waiting.shift()?.(text)
  })
  return new Promise((resolve) =>
    ws.once('open', () =>
      resolve((request) => {
        ws.send(request)
        return new Promise((r) => waiting.push(r))
      }),
    ),
  )
}

test(
  'HTTP, TCP, /mobwrite WebSocket and Bayeux clients converge',
  { timeout: 30_000 },
  async (t) => {
    const gw = await startGatewayServer()
    t.after(() => gw.close())
    const cometd = createCometD(gw.srv.bayeuxUrl, 'websocket')
    t.after(() => disconnect(cometd))
    assert.equal((await handshake(cometd)).successful, true)
    const peers = [
      peer('http', async (request) => {
        const answer = (await postForm(gw.srv.url + '/scripts/q.py', xhrBody(request))).text
        return answer.slice(0, -1) // the gateway's blank line
      }),
      peer('tcp', (request) => tcpExchange(gw.tcpPort, request)),
      peer('ws', await openWs(gw.mobwriteWsUrl)),
      peer('bayeux', async (request) => {
        const reply = await remoteCall(cometd, 'mobwrite', { q: request })
        assert.equal(reply.successful, true, JSON.stringify(reply))
        return (reply.data as { a: string }).a
      }),
    ]
    // The first client shares a field that already holds text: its first raw dump carries it.
    peers[0]!.text = 'The quick brown fox jumps over the lazy dog.'
    peers[0]!.view = createClientView(file, { mergeChanges: true, initialText: peers[0]!.text })
    for (const p of peers) await sync(p)
    assert.ok(peers.every((p) => p.text === peers[0]!.text))

    // Everyone types at once, each before its own word, several rounds.
    const anchors = ['quick', 'fox', 'over', 'lazy']
    for (let round = 0; round < 6; round++) {
      peers.forEach((p, i) => {
        const at = p.text.indexOf(anchors[i]!)
        p.text = p.text.slice(0, at) + `<${p.name}${round}>` + p.text.slice(at)
      })
      await Promise.all(peers.map((p) => sync(p)))
    }
    // Settle: sync until every client holds the server's text.
    for (let i = 0; i < 4; i++) for (const p of peers) await sync(p)
    const master = gw.sync.readDocument(file)?.text
    for (const p of peers) assert.equal(p.text, master, p.name)
    for (const p of peers) {
      const typed = [0, 1, 2, 3, 4, 5].map((round) => `<${p.name}${round}>`).join('')
      assert.ok(master?.includes(typed), `${typed} missing in ${master}`)
    }
  },
)
