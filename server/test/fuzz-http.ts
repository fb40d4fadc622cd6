// Raw HTTP framing for the fuzzer: requests written byte by byte on a socket, with bad or
// missing Content-Length, broken chunking, both framings at once, pipelining, garbage headers
// and short slow bodies. A request that waits for bytes never sent is dropped after `holdMs`
// (≤ 300 ms): the point is what the server does with the bytes, not its body deadline.

import { connect } from 'node:net'
import type { Rng } from './fuzz-inputs.ts'

/** One raw exchange: the bytes (in pieces written 20 ms apart) and how long to wait. */
export interface RawHttpInput {
  readonly pieces: readonly string[]
  readonly holdMs: number
}

/** Replaced by the long-polling session's cookie at send time. */
export const cookieHeader = 'Cookie: COOKIE-PLACEHOLDER'

const routes = [
  '/scripts/q.py',
  '/mobwrite',
  '/bayeux',
  '/bayeux/connect',
  '/Scripts/Q.py',
  '/BAYEUX',
]

function framing(r: Rng, body: string): { headers: string[]; pieces: string[] } {
  const len = Buffer.byteLength(body)
  const variant = r.int(10)
  const cl = (v: string | number) => [`Content-Length: ${v}`]
  if (variant === 0) return { headers: cl(Math.max(0, len - 1 - r.int(len + 1))), pieces: [body] }
  if (variant === 1) return { headers: cl(len + 1 + r.int(1000)), pieces: [body] }
  if (variant === 2) {
    const bad = r.pick([
      'abc',
      '-1',
      '1e3',
      '99999999999999999999',
      ' 12',
      '0x10',
      `${len}, ${len + 1}`,
    ])
    return { headers: cl(bad), pieces: [body] }
  }
  if (variant === 3) return { headers: [...cl(len), ...cl(len + 5)], pieces: [body] }
  const chunk = (s: string) => `${Buffer.byteLength(s).toString(16)}\r\n${s}\r\n`
  const half = Math.floor(body.length / 2)
  const chunks = chunk(body.slice(0, half)) + chunk(body.slice(half))
  const te = ['Transfer-Encoding: chunked']
  if (variant === 4) return { headers: te, pieces: [chunks + '0\r\n\r\n'] }
  if (variant === 5) {
    const size = r.pick(['zz', 'fffffffffffffffff', '-1', '1;ext=x', '', '0x10'])
    return { headers: te, pieces: [`${size}\r\n${body}\r\n0\r\n\r\n`] }
  }
  if (variant === 6) return { headers: te, pieces: [chunks] }
  if (variant === 7) return { headers: [...te, ...cl(len)], pieces: [chunks + '0\r\n\r\n'] }
  // A slow body: a few pieces 20 ms apart, finished (8) or not (9).
  const third = Math.ceil(body.length / 3)
  const pieces = [body.slice(0, third), body.slice(third, 2 * third), body.slice(2 * third)]
  return { headers: cl(variant === 8 ? len : len + 10), pieces }
}

/** A request to a transport route with `body` (a form or JSON text), framed well or badly. */
export function rawHttpInput(r: Rng, body: string): RawHttpInput {
  const route = r.pick(routes)
  const method = r.chance(0.85)
    ? 'POST'
    : r.pick(['GET', 'PUT', 'OPTIONS', 'PATCH', 'P\u00d8ST', ''])
  const version = r.chance(0.9) ? 'HTTP/1.1' : r.pick(['HTTP/1.0', 'HTTP/2.0', 'HTTP/9', ''])
  const type = route.toLowerCase().startsWith('/bayeux')
    ? 'application/json'
    : 'application/x-www-form-urlencoded'
  const { headers, pieces } = framing(r, body)
  const extra: string[] = r.chance(0.8) ? [cookieHeader] : []
  if (r.chance(0.1)) extra.push('X-Junk ' + 'a'.repeat(r.int(100)))
  if (r.chance(0.05)) extra.push('X-Big: ' + 'b'.repeat(20_000))
  if (r.chance(0.05)) extra.push('X-Nul: a\u0000b')
  if (r.chance(0.05)) extra.push('Transfer-Encoding: gzip, chunked')
  const head = [`${method} ${route} ${version}`, 'Host: 127.0.0.1', `Content-Type: ${type}`]
  const text = [...head, ...headers, ...extra].join('\r\n') + '\r\n\r\n'
  const first = pieces[0] ?? ''
  const rest = pieces.slice(1)
  // Pipelining: a second request right behind the first.
  const tail = r.chance(0.1) ? ['GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'] : []
  return { pieces: [text + first, ...rest, ...tail], holdMs: 50 + r.int(250) }
}

/** Writes the pieces and resolves 'answered' once the server wrote anything, else 'held'/'closed'. */
export function sendRawHttp(port: number, input: RawHttpInput): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    let answered = false
    let finished = false
    const done = (outcome: string) => {
      if (finished) return
      finished = true
      clearTimeout(timer)
      socket.destroy()
      resolve(outcome)
    }
    const timer = setTimeout(
      () => done(answered ? 'answered' : 'held'),
      input.holdMs + 60 * input.pieces.length,
    )
    socket.on('data', () => {
      // Keep-alive leaves the socket open: a moment for the pipelined answer, then hang up.
      if (!answered) setTimeout(() => done('answered'), 30)
      answered = true
    })
    socket.on('error', () => done('closed'))
    socket.on('close', () => done(answered ? 'answered' : 'closed'))
    input.pieces.forEach((piece, i) =>
      setTimeout(() => socket.writable && socket.write(piece), 20 * i),
    )
  })
}
