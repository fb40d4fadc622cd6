// The TCP gateway, the daemon's own framing (mobwrite-notes §1.1): one request per connection,
// read until its blank line, answer without a blank line of our own, close. Reading is bounded
// by one deadline for the whole request (a slowloris client cannot reset it line by line) and
// by a byte limit; a connection silent for `tcpIdleTimeoutMs` before its request is complete is
// closed, and one address holds at most `tcpMaxConnectionsPerAddress` connections (issue 14: idle
// connections filled every slot). Off by default; the caller listens (server/main.ts).

import { createServer, type Server, type Socket } from 'node:net'
import { ErrorCode, SyncError } from '../../shared/errors.ts'
import { normalizeIp, type GatewayRequestLike, type Identity } from '../auth/identity.ts'
import type { GatewayConfig } from '../config.ts'
import { log } from '../log.ts'
import { errorLine } from './answer.ts'
import { refusalAnswer, type GatewayCore } from './core.ts'
import { ReaderState, RequestReader } from './request-reader.ts'

/** Dependencies of {@link createTcpGateway}. */
export interface TcpGatewayDeps {
  readonly core: GatewayCore
  readonly config: Pick<
    GatewayConfig,
    | 'tcpMaxRequestBytes'
    | 'tcpReadTimeoutMs'
    | 'tcpMaxConnections'
    | 'tcpIdleTimeoutMs'
    | 'tcpMaxConnectionsPerAddress'
  >
  /** Resolves the caller; TCP carries no token, so this is the anonymous identity of its IP. */
  readonly resolveIdentity: (req: GatewayRequestLike) => Identity | SyncError
}

/** A TCP gateway: listen on `server`; `close()` also ends the connections in progress. */
export interface TcpGateway {
  readonly server: Server
  close(): Promise<void>
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

async function answerFor(deps: TcpGatewayDeps, socket: Socket, bytes: Uint8Array) {
  let text: string
  try {
    text = utf8.decode(bytes)
  } catch {
    return errorLine('Request is not valid UTF-8')
  }
  const identity = deps.resolveIdentity({ headers: {}, ip: socket.remoteAddress ?? 'unknown' })
  if (identity instanceof SyncError) return refusalAnswer(identity)
  // The reader dropped the blank line; put back the one the engine requires (§1.2).
  return deps.core.answer(text + '\n', identity)
}

function serve(deps: TcpGatewayDeps, socket: Socket): void {
  const { tcpMaxRequestBytes, tcpReadTimeoutMs } = deps.config
  const reader = new RequestReader(tcpMaxRequestBytes)
  let timer = setTimeout(() => {
    log.debug('tcp gateway read deadline passed', { ip: socket.remoteAddress })
    socket.destroy()
  }, tcpReadTimeoutMs)
  // Answer, then give the client as long again to close its side: with allowHalfOpen a client
  // that never closes would otherwise hold the socket (and a connection slot) forever.
  const finish = (answer: string) => {
    if (socket.destroyed) return
    socket.end(answer)
    timer = setTimeout(() => socket.destroy(), tcpReadTimeoutMs)
  }
  // Silence before the request is complete: the idle timer restarts on every byte.
  socket.setTimeout(deps.config.tcpIdleTimeoutMs, () => {
    log.debug('tcp gateway connection idle', { ip: socket.remoteAddress })
    socket.destroy()
  })
  const stopReading = () => {
    clearTimeout(timer)
    socket.setTimeout(0)
    socket.off('data', onData)
    // Bytes after the request are drained and dropped; unread input would make the kernel
    // reset the connection on close and could cut the answer short.
    socket.on('data', () => {})
  }
  const onData = (chunk: Buffer) => {
    const state = reader.push(chunk)
    if (state === ReaderState.TooLarge) {
      stopReading()
      const message = `Request larger than ${tcpMaxRequestBytes} bytes`
      finish(refusalAnswer(new SyncError(ErrorCode.ERR_REQUEST_TOO_LARGE, message)))
    } else if (state === ReaderState.Done) {
      stopReading()
      void answerFor(deps, socket, reader.content()).then(finish)
    }
  }
  socket.on('data', onData)
  // End of input before the blank line: a truncated request, answered with nothing (§1.2).
  socket.on('end', () => {
    if (reader.isFinished) return
    stopReading()
    finish('')
  })
  socket.on('error', () => socket.destroy())
  socket.on('close', () => clearTimeout(timer))
}

// Counts open connections per address; `admit` refuses one past the limit (0: no limit).
function createAddressCounter(limit: number) {
  const open = new Map<string, number>()
  return {
    admit(socket: Socket): boolean {
      const ip = normalizeIp(socket.remoteAddress)
      const n = open.get(ip) ?? 0
      if (limit > 0 && n >= limit) return false
      open.set(ip, n + 1)
      socket.once('close', () => {
        const left = (open.get(ip) ?? 1) - 1
        if (left > 0) open.set(ip, left)
        else open.delete(ip)
      })
      return true
    },
  }
}

/** Creates the TCP gateway (not listening yet). */
export function createTcpGateway(deps: TcpGatewayDeps): TcpGateway {
  const sockets = new Set<Socket>()
  const addresses = createAddressCounter(deps.config.tcpMaxConnectionsPerAddress)
  // allowHalfOpen: `printf '…\n\n' | nc host 3017` closes its side first and still reads.
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    if (!addresses.admit(socket)) {
      log.debug('tcp gateway: too many connections from one address', { ip: socket.remoteAddress })
      return void socket.destroy()
    }
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    serve(deps, socket)
  })
  server.maxConnections = deps.config.tcpMaxConnections
  return {
    server,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        if (!server.listening) return resolve()
        server.close(() => resolve())
      }),
  }
}
