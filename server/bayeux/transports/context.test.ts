// The request context of the HTTP transports: the browser cookie read without a Map, and the
// "client gone" notice (onClientGone, signal) that releases a held /meta/connect, on a real server.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { once } from 'node:events'
import { defaultConfig } from '../../config.ts'
import { createContext, readCookie } from './context.ts'
import type { TransportContext } from '../types.ts'

test('readCookie finds the named cookie among others, decoded, and nothing else', () => {
  const header = 'a=1; BAYEUX_BROWSER=abc%20def ; other=x=y'
  assert.equal(readCookie(header, 'BAYEUX_BROWSER'), 'abc def')
  assert.equal(readCookie(header, 'other'), 'x=y')
  assert.equal(readCookie(header, 'BAYEUX'), undefined)
  assert.equal(readCookie(undefined, 'a'), undefined)
  assert.equal(readCookie('bad=%E0%A4%A', 'bad'), '%E0%A4%A')
})

// Serves one request: hands its context to `use`, which decides when (and whether) to answer.
async function withContext(
  use: (ctx: TransportContext, res: ServerResponse) => void,
  client: (port: number) => Promise<void>,
): Promise<void> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    use(createContext(defaultConfig.bayeux, 'long-polling', req, { response: res }), res)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  try {
    await client((server.address() as AddressInfo).port)
  } finally {
    server.closeAllConnections()
    server.close()
  }
}

test(
  'a client that leaves before its answer fires onClientGone and aborts signal',
  {
    timeout: 10_000,
  },
  async () => {
    let gone = 0
    let signal: AbortSignal | undefined
    let held!: () => void
    let left!: () => void
    const isHeld = new Promise<void>((resolve) => (held = resolve))
    const hasLeft = new Promise<void>((resolve) => (left = resolve))
    await withContext(
      (ctx) => {
        ctx.onClientGone?.(() => (gone += 1))
        signal = ctx.signal
        signal?.addEventListener('abort', left)
        held()
      },
      async (port) => {
        const req = request({ port, host: '127.0.0.1', method: 'POST', path: '/bayeux' })
        req.on('error', () => undefined)
        req.end('[]')
        await isHeld
        req.destroy()
        await hasLeft
      },
    )
    assert.equal(gone, 1)
    assert.equal(signal?.aborted, true)
  },
)

test('an answered request fires neither', async () => {
  let gone = 0
  let signal: AbortSignal | undefined
  await withContext(
    (ctx, res) => {
      ctx.onClientGone?.(() => (gone += 1))
      signal = ctx.signal
      res.end('[]')
    },
    async (port) => {
      const res = await new Promise<IncomingMessage>((resolve) =>
        request({ port, host: '127.0.0.1', method: 'POST', path: '/bayeux' }, resolve).end('[]'),
      )
      res.resume()
      await once(res, 'end')
    },
  )
  assert.equal(gone, 0)
  assert.equal(signal?.aborted, false)
})
