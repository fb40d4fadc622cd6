// The four ways a MobWrite request reaches the property suite's server (HTTP /scripts/q.py,
// TCP, WebSocket /mobwrite, Bayeux remote calls through the official CometD client) and a
// simulated link over them that loses requests, loses answers, duplicates and reorders them.
// Gateway clients connect from their own loopback address, as separate people would.

import { request as httpRequest } from 'node:http'
import { connect as tcpConnect } from 'node:net'
import { WebSocket } from 'ws'
import { connect as bayeuxConnect, type AuthClient } from './auth-cometd.ts'
import { xhrBody } from './gateway-clients.ts'

/** How a client reaches the server. */
export type Transport = 'http' | 'tcp' | 'ws' | 'bayeux'

/** What the network does to one sync. */
export type NetEvent =
  | 'ok'
  | 'loseRequest'
  | 'loseAnswer'
  | 'duplicate' // delivered twice; the client reads the first answer
  | 'duplicateLate' // delivered twice; the client reads the second answer
  | 'hold' // delivered only after the client's next request; no answer now

/** Sends one request text and resolves with the answer text; rejects when none came. */
type Send = (request: string) => Promise<string>

const timeoutMs = 4_000

function postHttp(port: number, localAddress: string, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const body = xhrBody(text)
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        localAddress,
        path: '/scripts/q.py',
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        timeout: timeoutMs,
      },
      (res) => {
        let answer = ''
        res.setEncoding('utf8')
        res.on('data', (c: string) => (answer += c))
        res.on('end', () =>
          res.statusCode === 200 ? resolve(answer) : reject(new Error(`HTTP ${res.statusCode}`)),
        )
        res.on('error', reject)
      },
    )
    req.on('timeout', () => req.destroy(new Error('HTTP timeout')))
    req.on('error', reject)
    req.end(body)
  })
}

function sendTcp(port: number, localAddress: string, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect({ port, host: '127.0.0.1', localAddress, timeout: timeoutMs })
    let answer = ''
    socket.setEncoding('utf8')
    socket.on('data', (c: string) => (answer += c))
    socket.on('timeout', () => socket.destroy(new Error('TCP timeout')))
    socket.on('error', reject)
    // The daemon's framing has no closing blank line; the HTTP gateway adds one (q.py).
    socket.on('close', () => resolve(answer.endsWith('\n\n') ? answer : answer + '\n'))
    socket.end(text)
  })
}

/** One /mobwrite socket, opened again whenever it closed (a restart closes it). */
function createWsSend(port: number, localAddress: string): { send: Send; close(): void } {
  let socket: WebSocket | undefined
  let opening: Promise<WebSocket> | undefined
  const waiting: { resolve(a: string): void; reject(e: Error): void }[] = []
  const open = () =>
    (opening ??= new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/mobwrite`, { localAddress })
      ws.on('open', () => resolve((socket = ws)))
      ws.on('message', (data) => {
        const text = data.toString()
        if (!text.startsWith('{')) waiting.shift()?.resolve(text)
      })
      ws.on('error', (err) => reject(err))
      ws.on('close', () => {
        if (socket === ws) socket = undefined
        opening = undefined
        for (const w of waiting.splice(0)) w.reject(new Error('socket closed'))
      })
    }))
  return {
    async send(text) {
      const ws = socket ?? (await open())
      return new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('WS timeout')), timeoutMs)
        waiting.push({
          resolve: (a) => (clearTimeout(timer), resolve(a)),
          reject: (e) => (clearTimeout(timer), reject(e)),
        })
        ws.send(text)
      })
    },
    close: () => socket?.close(),
  }
}

/** A random loopback address, so each gateway client has its own anonymous rate bucket. */
export function loopbackAddress(random: () => number): string {
  const byte = () => 1 + Math.floor(random() * 254)
  return `127.${byte()}.${byte()}.${byte()}`
}

/** A lossy link: send() applies the event and resolves with the answer the client reads. */
export interface Link {
  readonly transport: Transport
  send(request: string, event: NetEvent): Promise<string | null>
  close(): Promise<void>
}

/** Opens a link of `transport` to the server on `ports`. */
export async function openLink(
  transport: Transport,
  ports: { http: number; tcp: number },
  localAddress: string,
): Promise<Link> {
  let raw: Send
  let close = async () => {}
  if (transport === 'http') raw = (q) => postHttp(ports.http, localAddress, q)
  else if (transport === 'tcp') raw = (q) => sendTcp(ports.tcp, localAddress, q)
  else if (transport === 'ws') {
    const ws = createWsSend(ports.http, localAddress)
    raw = ws.send
    close = async () => ws.close()
  } else {
    const client: AuthClient = await bayeuxConnect(`http://127.0.0.1:${ports.http}/bayeux`, {
      transport: 'websocket',
    })
    raw = (q) => client.request(q, timeoutMs)
    close = () => client.disconnect()
  }
  const deliver = (q: string) => raw(q).catch(() => null)
  let held: string[] = []
  return {
    transport,
    async send(request, event) {
      const late = held
      held = []
      if (event === 'loseRequest') return null
      if (event === 'hold') {
        held = [...late, request]
        return null
      }
      const first = await deliver(request)
      for (const q of late) await deliver(q)
      if (event === 'loseAnswer') return null
      if (event === 'duplicate') return (await deliver(request), first)
      if (event === 'duplicateLate') return deliver(request)
      return first
    },
    close,
  }
}
