// The fuzzer's driver (issue 14): input i of a seed is always the same (its own random source),
// paths take turns (every path gets the same share), and a few workers send them concurrently
// to a running server, each over its own sockets. Outcomes are tallied per path; an input that
// gets no answer in `timeoutMs` is kept by index so that the seed reproduces it.

import { connect } from 'node:net'
import { WebSocket } from 'ws'
import {
  bayeuxText,
  bufferFragments,
  createRng,
  encodeLoose,
  mobwriteRequest,
  mutate,
  type Rng,
} from './fuzz-inputs.ts'
import { cookieHeader, rawHttpInput, sendRawHttp, type RawHttpInput } from './fuzz-http.ts'
import type { LpSession } from './fuzz-canary.ts'

/** The paths, in the order inputs take turns. */
export const fuzzPaths = [
  'q-post',
  'q-jsonp',
  'buffers',
  'tcp',
  'mobwrite-ws',
  'bayeux-ws',
  'bayeux-lp',
  'bayeux-jsonp',
  'http-raw',
] as const
/** One path. */
export type FuzzPath = (typeof fuzzPaths)[number]

/** One input: where it goes and the payloads sent there in order. */
export interface FuzzInput {
  readonly index: number
  readonly path: FuzzPath
  /** HTTP route (with method for buffers), or '' for sockets. */
  readonly route: string
  readonly payloads: readonly string[]
  /** How a WebSocket or TCP payload goes out: UTF-8 text, raw Latin-1 bytes, a binary frame. */
  readonly encoding: 'text' | 'latin1' | 'binary'
  readonly raw?: RawHttpInput
}

// Substituted at send time by the clientId of the sending session.
const cid = 'CID-PLACEHOLDER'
const gatewayRoutes = ['/scripts/q.py', '/mobwrite']

function formBody(r: Rng, request: string, field = 'q'): string {
  const roll = r.next()
  if (roll < 0.75) return `${field}=${encodeLoose(request)}`
  if (roll < 0.85) return mutate(r, `${field}=${encodeLoose(request)}`)
  if (roll < 0.9) return `${field}=${request}`
  return r.pick(['', 'q', 'q=', 'p=', `q=a&q=b&p=${encodeLoose(request)}`, 'token=%ZZ&q=u%3Ax'])
}

function payloadsOf(r: Rng, path: FuzzPath, files: readonly string[]): [string, string[]] {
  const request = () => mobwriteRequest(r, files)
  const jsonpQuery = (text: string) => '?p=' + encodeLoose(text).replace(/%20/g, '+')
  switch (path) {
    case 'q-post':
      return [r.pick(gatewayRoutes), [formBody(r, request(), r.chance(0.9) ? 'q' : 'p')]]
    case 'q-jsonp':
      return [
        r.pick(gatewayRoutes),
        [r.chance(0.85) ? jsonpQuery(request()) : mutate(r, jsonpQuery(request()))],
      ]
    case 'buffers': {
      const viaGet = r.chance(0.5)
      const fragments = bufferFragments(r, request())
      const route = `${viaGet ? 'GET' : 'POST'} ${r.pick(gatewayRoutes)}`
      return [route, fragments.map((f) => (viaGet ? jsonpQuery(f) : formBody(r, f)))]
    }
    case 'tcp':
    case 'mobwrite-ws':
      return ['', Array.from({ length: r.chance(0.2) ? 3 : 1 }, request)]
    case 'bayeux-ws':
      return ['', [bayeuxText(r, cid, files)]]
    case 'bayeux-lp':
      return [r.pick(['', '', '/connect', '/handshake', '/x/y']), [bayeuxText(r, cid, files)]]
    case 'bayeux-jsonp': {
      const callback = r.pick([
        'cb',
        'cb',
        'jQuery123_456',
        'a(b)',
        '</script>',
        '',
        'x'.repeat(300),
      ])
      const message = encodeLoose(bayeuxText(r, cid, files))
      return [
        '',
        [`?jsonp=${encodeLoose(callback)}&message=${r.chance(0.9) ? message : mutate(r, message)}`],
      ]
    }
    case 'http-raw':
      return ['', [r.chance(0.5) ? formBody(r, request()) : bayeuxText(r, cid, files)]]
  }
}

/** Input `index` of `seed`. */
export function generateInput(seed: number, index: number, files: readonly string[]): FuzzInput {
  const r = createRng((seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0)
  const path = fuzzPaths[index % fuzzPaths.length] ?? 'q-post'
  const [route, payloads] = payloadsOf(r, path, files)
  const encoding = r.chance(0.9) ? 'text' : r.chance(0.5) ? 'latin1' : 'binary'
  const raw = path === 'http-raw' ? rawHttpInput(r, payloads[0] ?? '') : undefined
  return { index, path, route, payloads, encoding, raw }
}

/** Addresses of the server under test. */
export interface FuzzTarget {
  readonly url: string
  readonly port: number
  readonly tcpPort: number
}

/** What one input led to: an answer, a close, an expected hold (a long poll), or nothing in time. */
export type Outcome = 'answered' | 'closed' | 'held' | 'timeout' | 'error'

/** A worker's own sockets: a /mobwrite WebSocket and a Bayeux WebSocket session. */
export class FuzzWorker {
  #mobwrite: Promise<QueuedSocket> | undefined
  #bayeux: Promise<{ socket: QueuedSocket; clientId: string }> | undefined
  constructor(
    readonly target: FuzzTarget,
    readonly lpSession: () => LpSession,
    readonly timeoutMs: number,
  ) {}

  /** Sends every payload of `input` and says what happened to the last one. */
  async send(input: FuzzInput): Promise<Outcome> {
    let outcome: Outcome = 'answered'
    for (const payload of input.payloads) outcome = await this.#sendOne(input, payload)
    return outcome
  }

  async #sendOne(input: FuzzInput, payload: string): Promise<Outcome> {
    const { url } = this.target
    switch (input.path) {
      case 'q-post':
        return this.#http(url + input.route, { method: 'POST', body: payload, headers: form })
      case 'q-jsonp':
        return this.#http(url + input.route + payload, { method: 'GET' })
      case 'buffers': {
        const [method = 'GET', route = ''] = input.route.split(' ')
        if (method === 'GET') return this.#http(url + route + payload, { method })
        return this.#http(url + route, { method, body: payload, headers: form })
      }
      case 'tcp':
        return sendTcp(this.target.tcpPort, payload, input.encoding, this.timeoutMs)
      case 'mobwrite-ws':
        return this.#mobwriteWs(payload, input.encoding)
      case 'bayeux-ws':
        return this.#bayeuxWs(payload, input.encoding)
      case 'bayeux-lp': {
        const { clientId, cookie } = this.lpSession()
        const body = payload.replaceAll(cid, clientId)
        const headers = { 'content-type': 'application/json', cookie }
        return this.#http(
          `${url}/bayeux${input.route}`,
          { method: 'POST', body, headers },
          isHeld(body),
        )
      }
      case 'bayeux-jsonp': {
        const { clientId, cookie } = this.lpSession()
        const query = payload.replaceAll(cid, clientId)
        const init = { method: 'GET', headers: { cookie } }
        return this.#http(`${url}/bayeux${query}`, init, isHeld(query))
      }
      case 'http-raw': {
        const raw = input.raw ?? { pieces: [], holdMs: 0 }
        const { clientId, cookie } = this.lpSession()
        const pieces = raw.pieces.map((p) =>
          p.replaceAll(cid, clientId).replace(cookieHeader, `Cookie: ${cookie}`),
        )
        return (await sendRawHttp(this.target.port, { ...raw, pieces })) as Outcome
      }
    }
  }

  async #http(url: string, init: RequestInit, mayHold = false): Promise<Outcome> {
    const ms = mayHold ? 1_500 : this.timeoutMs
    try {
      const res = await fetch(url, { ...init, signal: AbortSignal.timeout(ms) })
      await res.arrayBuffer()
      return 'answered'
    } catch (err) {
      if ((err as Error).name === 'TimeoutError') return mayHold ? 'held' : 'timeout'
      return 'closed'
    }
  }

  async #mobwriteWs(payload: string, encoding: FuzzInput['encoding']): Promise<Outcome> {
    const url = `ws://127.0.0.1:${this.target.port}/mobwrite`
    const socket = await (this.#mobwrite ??= QueuedSocket.open(url)).catch(() => undefined)
    if (!socket) return ((this.#mobwrite = undefined), 'closed')
    const outcome = await socket.exchange(frameOf(payload, encoding), this.timeoutMs, false)
    if (outcome !== 'answered') this.#mobwrite = undefined
    if (outcome === 'timeout') socket.ws.terminate()
    return outcome
  }

  async #bayeuxWs(payload: string, encoding: FuzzInput['encoding']): Promise<Outcome> {
    const session = await (this.#bayeux ??= openBayeuxWs(this.target.port)).catch(() => undefined)
    if (!session) return ((this.#bayeux = undefined), 'closed')
    const frame = frameOf(payload.replaceAll(cid, session.clientId), encoding)
    // Not every frame has a reply (a held connect, a publish without id): a ping after it
    // shows the server read it.
    const outcome = await session.socket.exchange(frame, this.timeoutMs, true)
    if (outcome !== 'answered') this.#bayeux = undefined
    if (outcome === 'timeout') session.socket.ws.terminate()
    return outcome
  }

  /** Closes the worker's sockets. */
  async close(): Promise<void> {
    for (const open of [this.#mobwrite, this.#bayeux?.then((s) => s.socket)]) {
      const socket = await open?.catch(() => undefined)
      socket?.ws.terminate()
    }
  }
}

const form = { 'content-type': 'application/x-www-form-urlencoded' }
const isHeld = (text: string) =>
  text.includes('/meta/connect') || text.includes('%2Fmeta%2Fconnect')

function frameOf(
  payload: string,
  encoding: FuzzInput['encoding'],
): { data: string | Buffer; binary: boolean } {
  if (encoding === 'text') return { data: payload, binary: false }
  return { data: Buffer.from(payload, 'latin1'), binary: encoding === 'binary' }
}

/** A WebSocket whose incoming messages wait in a queue (push hints `{…}` on /mobwrite skipped). */
class QueuedSocket {
  /** Messages received so far, and the first one (a handshake reply). */
  received = 0
  pongs = 0
  first: string | undefined
  #wake: (() => void) | undefined
  closed = false
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const text = String(data)
      if (ws.url.endsWith('/mobwrite') && text.startsWith('{')) return
      this.first ??= text
      this.received++
      this.#wake?.()
    })
    ws.on('pong', () => (this.pongs++, this.#wake?.()))
    ws.on('close', () => ((this.closed = true), this.#wake?.()))
    ws.on('error', () => {})
  }

  static open(url: string): Promise<QueuedSocket> {
    const ws = new WebSocket(url)
    const socket = new QueuedSocket(ws)
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(socket))
      ws.once('error', reject)
    })
  }

  /** Sends a frame and waits for a message (or with `ping`, a pong), a close, or the deadline. */
  exchange(
    frame: { data: string | Buffer; binary: boolean },
    timeoutMs: number,
    ping: boolean,
  ): Promise<Outcome> {
    if (this.closed || this.ws.readyState !== WebSocket.OPEN) return Promise.resolve('closed')
    const before = this.received
    const pongsBefore = this.pongs
    return new Promise((resolve) => {
      const timer = setTimeout(() => finish('timeout'), timeoutMs)
      const finish = (outcome: Outcome) => {
        clearTimeout(timer)
        this.#wake = undefined
        resolve(outcome)
      }
      this.#wake = () => {
        if (this.closed) finish('closed')
        else if (this.pongs > pongsBefore || this.received > before) finish('answered')
      }
      this.ws.send(frame.data, { binary: frame.binary })
      if (ping) this.ws.ping()
    })
  }
}

async function openBayeuxWs(port: number): Promise<{ socket: QueuedSocket; clientId: string }> {
  const socket = await QueuedSocket.open(`ws://127.0.0.1:${port}/bayeux`)
  const handshake = [
    { channel: '/meta/handshake', version: '1.0', supportedConnectionTypes: ['websocket'] },
  ]
  await socket.exchange({ data: JSON.stringify(handshake), binary: false }, 5_000, false)
  const reply = JSON.parse(socket.first ?? '[]') as Array<{ clientId?: string }>
  const clientId = reply[0]?.clientId ?? 'no-session'
  const connect = [{ channel: '/meta/connect', clientId, connectionType: 'websocket' }]
  socket.ws.send(JSON.stringify(connect))
  return { socket, clientId }
}

function sendTcp(
  port: number,
  payload: string,
  encoding: FuzzInput['encoding'],
  timeoutMs: number,
): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    let answered = false
    // A request without its blank line, not half-closed, waits for the read deadline: hang up.
    const halfClose = encoding !== 'binary'
    const timer = setTimeout(
      () => finish(halfClose ? 'timeout' : 'held'),
      halfClose ? timeoutMs : 300,
    )
    const finish = (outcome: Outcome) => {
      clearTimeout(timer)
      socket.destroy()
      resolve(outcome)
    }
    socket.on('data', () => (answered = true))
    socket.on('error', () => finish('closed'))
    socket.on('close', () => finish(answered ? 'answered' : 'closed'))
    socket.write(encoding === 'text' ? payload : Buffer.from(payload, 'latin1'))
    if (halfClose) socket.end()
  })
}

/** Tally of one run. */
export interface FuzzTally {
  readonly outcomes: Map<FuzzPath, Map<Outcome, number>>
  /** Slowest answer per path, in ms. */
  readonly slowestMs: Map<FuzzPath, number>
  /** Indexes of inputs that got no answer in time. */
  readonly unanswered: number[]
}

/** Sends inputs `0 … count-1` of `seed` through `workers` workers; `onProgress` every 500. */
export async function runFuzz(opts: {
  target: FuzzTarget
  seed: number
  count: number
  files: readonly string[]
  workers: number
  lpSession: () => LpSession
  timeoutMs?: number
  onProgress?: (done: number) => void
}): Promise<FuzzTally> {
  const tally: FuzzTally = { outcomes: new Map(), slowestMs: new Map(), unanswered: [] }
  let next = 0
  const work = async () => {
    const worker = new FuzzWorker(opts.target, opts.lpSession, opts.timeoutMs ?? 5_000)
    while (next < opts.count) {
      const index = next++
      const input = generateInput(opts.seed, index, opts.files)
      const started = performance.now()
      const outcome = await worker.send(input).catch((): Outcome => 'error')
      const ms = performance.now() - started
      const byOutcome = tally.outcomes.get(input.path) ?? new Map<Outcome, number>()
      tally.outcomes.set(input.path, byOutcome.set(outcome, (byOutcome.get(outcome) ?? 0) + 1))
      if (outcome === 'answered' || outcome === 'closed')
        tally.slowestMs.set(input.path, Math.max(ms, tally.slowestMs.get(input.path) ?? 0))
      if (outcome === 'timeout') tally.unanswered.push(input.index)
      if ((index + 1) % 500 === 0) opts.onProgress?.(index + 1)
    }
    await worker.close()
  }
  await Promise.all(Array.from({ length: opts.workers }, work))
  return tally
}
