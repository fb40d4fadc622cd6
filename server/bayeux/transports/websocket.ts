// The websocket transport on /bayeux: one JSON array per text frame both ways (bayeux-notes
// §1.9.4), ws in noServer mode behind the app's upgrade table, ping/pong to find dead peers.

import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { type RawData, type WebSocket, WebSocketServer } from 'ws'
import { decodeEnvelope, isRecord } from '../../../shared/bayeux/codec.ts'
import type { ReplyMessage } from '../../../shared/bayeux/message.ts'
import { log, logException } from '../../log.ts'
import type { BayeuxServerInternal } from '../server.ts'
import type { WsConnection } from '../types.ts'
import { serializeMessages } from './json.ts'
import { browserCookie, createBrowserId, createContext, parseCookies } from './context.ts'

/** Close codes this transport uses (Hocuspocus-style named constants). */
export const WsCloseCode = {
  /** The server is shutting down. */
  GoingAway: 1001,
  /** A frame over maxMessageBytes (enforced by ws's maxPayload). */
  MessageTooBig: 1009,
  /** A binary frame, malformed JSON, or JSON that is not a message or an array of them. */
  InvalidFrame: 4400,
  /** A frame with more than maxMessagesPerRequest messages. */
  TooManyMessages: 4413,
  /** More than wsMaxPendingFrames frames waiting to be processed. */
  TooManyPendingFrames: 4429,
} as const

/** The websocket transport: hand it upgrades for its path. */
export interface WebSocketTransport {
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void
  /** Closes every socket with 1001 and stops the heartbeat. */
  close(): Promise<void>
}

/** Creates the transport for `bayeux`. */
export function createWebSocketTransport(bayeux: BayeuxServerInternal): WebSocketTransport {
  const options = bayeux.options
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: options.maxMessageBytes,
    // Off by default (CPU and memory per socket); small frames are not worth compressing.
    perMessageDeflate: options.wsPerMessageDeflate
      ? { threshold: options.wsDeflateThresholdBytes, serverNoContextTakeover: true }
      : false,
  })
  const alive = new WeakMap<WebSocket, boolean>()
  const minted = new WeakMap<IncomingMessage, string>()
  // Bind the socket to a browser like an HTTP handshake does: a 101 response may set cookies.
  wss.on('headers', (headers: string[], request: IncomingMessage) => {
    if (parseCookies(request.headers.cookie).has(options.browserCookieName)) return
    const browserId = createBrowserId()
    minted.set(request, browserId)
    headers.push(`Set-Cookie: ${browserCookie(options, browserId)}`)
  })
  wss.on('connection', (ws: WebSocket, request: IncomingMessage) => {
    alive.set(ws, true)
    ws.on('pong', () => alive.set(ws, true))
    serve(bayeux, ws, request, minted.get(request))
  })
  // ws README "How to detect and close broken connections?": one missed pong ends the socket.
  const heartbeat =
    options.wsPingIntervalMs > 0
      ? setInterval(() => {
          for (const ws of wss.clients) {
            if (!alive.get(ws)) ws.terminate()
            else (alive.set(ws, false), ws.ping())
          }
        }, options.wsPingIntervalMs)
      : undefined
  heartbeat?.unref()
  return {
    handleUpgrade(request, socket, head) {
      if (!options.transports.includes('websocket')) {
        socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n')
        return
      }
      wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request))
    },
    close() {
      clearInterval(heartbeat)
      for (const ws of wss.clients) ws.close(WsCloseCode.GoingAway, 'Server stopping')
      return new Promise((resolve) => wss.close(() => resolve()))
    },
  }
}

function serve(
  bayeux: BayeuxServerInternal,
  ws: WebSocket,
  request: IncomingMessage,
  mintedBrowserId: string | undefined,
): void {
  const connection = createConnection(ws, bayeux.options.wsMaxBufferedBytes)
  const extra = mintedBrowserId ? { connection, browserId: mintedBrowserId } : { connection }
  const ctx = createContext(bayeux.options, 'websocket', request, extra)
  // Frames are processed one after another, so replies keep the order of their requests; a
  // lone /meta/connect does not hold the line while it is held.
  let line: Promise<unknown> = Promise.resolve()
  let pending = 0
  ws.on('message', (data: RawData, isBinary: boolean) => {
    const messages = isBinary ? undefined : parseFrame(data)
    if (!messages) return ws.close(WsCloseCode.InvalidFrame, 'Invalid Bayeux frame')
    if (messages.length > bayeux.options.maxMessagesPerRequest) {
      return ws.close(WsCloseCode.TooManyMessages, 'Too many Bayeux messages')
    }
    if (messages.length === 0) return
    if (++pending > bayeux.options.wsMaxPendingFrames) {
      return ws.close(WsCloseCode.TooManyPendingFrames, 'Too many pending frames')
    }
    line = line.then(() => {
      pending--
      const done = bayeux.process(messages, ctx).then(
        (replies) => connection.send(replies),
        (err: unknown) => logException('bayeux websocket processing failed', err),
      )
      return isLoneConnect(messages) ? undefined : done
    })
  })
  ws.on('error', (err) => log.debug('bayeux websocket error', { error: err.message }))
  ws.on('close', () => bayeux.connectionClosed(connection))
}

function parseFrame(data: RawData): unknown[] | undefined {
  try {
    const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : data.toString()
    return decodeEnvelope(JSON.parse(text))
  } catch {
    return undefined
  }
}

function isLoneConnect(messages: unknown[]): boolean {
  const [first] = messages
  return messages.length === 1 && isRecord(first) && first.channel === '/meta/connect'
}

function createConnection(ws: WebSocket, maxBufferedBytes: number): WsConnection {
  return {
    sessionIds: new Set(),
    send(messages: ReplyMessage[]) {
      if (messages.length === 0 || ws.readyState !== ws.OPEN) return
      // A peer that stops reading must not make the server buffer without bound.
      if (ws.bufferedAmount > maxBufferedBytes) return ws.terminate()
      ws.send(serializeMessages(messages))
    },
    get isOpen() {
      return ws.readyState === ws.OPEN
    },
  }
}
