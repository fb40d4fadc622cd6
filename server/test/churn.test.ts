// Churn (issue 14): connect / handshake / fail / disconnect cycles on every path of the real
// server process (Bayeux WebSocket and long-polling, /mobwrite WebSocket, TCP, HTTP), then RSS
// must come back within 10 % of its baseline. GC is forced through the V8 inspector (the
// server has no switch of its own) after the sessions the cycles abandoned have expired.
// TANDEM_CHURN_CYCLES (default 2,000) sets the count; the figure is 10,000.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { WebSocket } from 'ws'
import { startMainProcess } from './main-process.ts'
import { bayeuxSession, readDocument, writeDocument } from './fuzz-canary.ts'
import { collectGarbage, freePort, inspectArgs, mb, rssOf, watchServer } from './fuzz-probe.ts'

const cycles = Number(process.env.TANDEM_CHURN_CYCLES ?? 2_000)

type Cycle = (url: string, tcpPort: number, i: number) => Promise<void>

function openWs(url: string): Promise<WebSocket> {
  const ws = new WebSocket(url)
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws))
    ws.once('error', reject)
  })
}

function nextMessage(ws: WebSocket): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no message in 5 s')), 5_000)
    ws.once('message', (data) => (clearTimeout(timer), resolve(String(data))))
  })
}

function closed(ws: WebSocket, terminate: boolean): Promise<void> {
  return new Promise((resolve) => {
    ws.once('close', () => resolve())
    if (terminate) ws.terminate()
    else ws.close()
  })
}

// A first sync, a request that fails, then the view closed (x:) and the socket gone.
const syncLines = (id: string, file: string) => `u:${id}\nF:0:${file}\nr:1:churn\n\n`
const failLines = (id: string) => `u:${id}\nF:0:\nd:9:=99\tzz\n\n`
const closeLines = (id: string, file: string) => `u:${id}\nx:${file}\n\n`

const bayeuxWsCycle: Cycle = async (url, _tcp, i) => {
  const ws = await openWs(url.replace('http', 'ws') + '/bayeux')
  ws.send(
    JSON.stringify([
      { channel: '/meta/handshake', version: '1.0', supportedConnectionTypes: ['websocket'] },
    ]),
  )
  const [reply] = JSON.parse(await nextMessage(ws)) as Array<{ clientId: string }>
  const clientId = reply?.clientId ?? ''
  ws.send(JSON.stringify([{ channel: '/meta/connect', clientId, connectionType: 'websocket' }]))
  await nextMessage(ws)
  ws.send(JSON.stringify([{ channel: '/meta/subscribe', clientId, subscription: `/churn/${i}` }]))
  await nextMessage(ws)
  // Fails: a publish to a channel that is not valid.
  ws.send(JSON.stringify([{ channel: '/churn/*', clientId, id: 'p', data: {} }]))
  await nextMessage(ws)
  if (i % 2 === 0) ws.send(JSON.stringify([{ channel: '/meta/disconnect', clientId }]))
  // Half of them just vanish: their session has to expire on the server.
  await closed(ws, i % 2 === 1)
}

const bayeuxLpCycle: Cycle = async (url, _tcp, i) => {
  const { clientId, cookie } = await bayeuxSession(url)
  const post = async (body: unknown) => {
    const res = await fetch(url + '/bayeux', {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    })
    await res.text()
  }
  await post([{ channel: '/meta/subscribe', clientId, subscription: `/churn/${i}` }])
  await post('[{"channel": broken')
  if (i % 2 === 0) await post([{ channel: '/meta/disconnect', clientId }])
}

const mobwriteWsCycle: Cycle = async (url, _tcp, i) => {
  const ws = await openWs(url.replace('http', 'ws') + '/mobwrite')
  const id = `churnws${i}`
  for (const request of [
    syncLines(id, `churn-${i % 50}`),
    failLines(id),
    closeLines(id, `churn-${i % 50}`),
  ]) {
    ws.send(request)
    await nextMessage(ws)
  }
  await closed(ws, i % 2 === 1)
}

const tcpCycle: Cycle = (_url, tcpPort, i) =>
  new Promise((resolve, reject) => {
    const socket = connect(tcpPort, '127.0.0.1')
    const id = `churntcp${i}`
    socket.on('error', reject)
    socket.on('close', () => resolve())
    socket.resume()
    // Every third one hangs up in the middle of its request.
    if (i % 3 === 0) socket.end(`u:${id}\nF:0:churn-`)
    else if (i % 3 === 1) socket.end(failLines(id))
    // One request per connection: the view is opened and closed in the same one.
    else socket.end(syncLines(id, `churn-${i % 50}`).trimEnd() + `\nx:churn-${i % 50}\n\n`)
  })

const httpCycle: Cycle = async (url, _tcp, i) => {
  const id = `churnhttp${i}`
  for (const request of [
    syncLines(id, `churn-${i % 50}`),
    failLines(id),
    closeLines(id, `churn-${i % 50}`),
  ]) {
    const res = await fetch(url + '/scripts/q.py', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'q=' + encodeURIComponent(request),
    })
    await res.text()
  }
}

const paths: Array<[string, Cycle]> = [
  ['bayeux-ws', bayeuxWsCycle],
  ['bayeux-lp', bayeuxLpCycle],
  ['mobwrite-ws', mobwriteWsCycle],
  ['tcp', tcpCycle],
  ['http', httpCycle],
]

async function runCycles(
  url: string,
  tcpPort: number,
  from: number,
  to: number,
  failures: Map<string, number>,
) {
  let next = from
  const worker = async () => {
    while (next < to) {
      const i = next++
      const [name, cycle] = paths[i % paths.length] ?? paths[0]!
      await cycle(url, tcpPort, i).catch(() => failures.set(name, (failures.get(name) ?? 0) + 1))
    }
  }
  await Promise.all(Array.from({ length: 4 }, worker))
}

// Abandoned sessions expire after bayeux.maxIntervalMs (10 s) plus a sweep; views closed by x:.
const settle = () => new Promise((resolve) => setTimeout(resolve, 13_000))

test(
  `churn: ${cycles} connect/handshake/fail/disconnect cycles on every path`,
  { timeout: 120_000 + cycles * 50 },
  async (t) => {
    const inspectPort = await freePort()
    const server = await startMainProcess(
      t,
      { TANDEM_TCP_PORT: '0' },
      { nodeArgs: inspectArgs(inspectPort) },
    )
    const pid = server.process.pid ?? 0
    const tcpPort = server.tcpPort ?? 0
    await writeDocument(server.url, 'churn-canary', 'still here\n')
    const failures = new Map<string, number>()
    // Warm-up: code paths compiled, pools and caches at their working size.
    await runCycles(server.url, tcpPort, 0, 250, failures)
    await settle()
    await collectGarbage(inspectPort)
    const baseline = rssOf(pid)
    const baselineHeap = await collectGarbage(inspectPort)
    // The /metrics gauge covers a minute or two, the forced GC above included: /healthz round
    // trips during the cycles are the cleaner measure.
    const watch = watchServer(server.url, pid)

    const started = performance.now()
    await runCycles(server.url, tcpPort, 250, 250 + cycles, failures)
    const seconds = (performance.now() - started) / 1000
    const { worstLoopDelayMs, health, peakRss: peak } = await watch.stop()
    await settle()
    const settled = rssOf(pid)
    const heap = await collectGarbage(inspectPort)
    const after = rssOf(pid)

    console.log(
      `# ${cycles} cycles in ${seconds.toFixed(1)} s; failed cycles: ${JSON.stringify(Object.fromEntries(failures))}`,
    )
    console.log(
      `# event-loop delay (/metrics, incl. the forced GC): ${worstLoopDelayMs.toFixed(1)} ms; /healthz p50 ${health.p50.toFixed(1)} ms, p99 ${health.p99.toFixed(1)} ms, max ${health.max.toFixed(1)} ms`,
    )
    console.log(
      `# RSS: baseline ${mb(baseline)}, peak ${mb(peak)}, settled 13 s ${mb(settled)}, after GC ${mb(after)} (${(((after - baseline) / baseline) * 100).toFixed(1)} %)`,
    )
    console.log(`# V8 heap after GC: baseline ${mb(baselineHeap)}, after ${mb(heap)}`)
    assert.equal(server.process.exitCode, null, 'the server process exited')
    assert.equal(await readDocument(server.url, 'churn-canary'), 'still here\n')
    assert.ok(
      after <= baseline * 1.1,
      `RSS ${mb(after)} is more than 10 % over the baseline ${mb(baseline)}`,
    )
  },
)
