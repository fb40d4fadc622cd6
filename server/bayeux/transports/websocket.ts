// The websocket transport on /bayeux: one JSON array per text frame both ways (bayeux-notes
// §1.9.4), ws in noServer mode behind the app's upgrade table, ping/pong to find dead peers.

import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { type RawData, type WebSocket, WebSocketServer } from 'ws'
import { isRecord } from '../../../shared/bayeux/codec.ts'
import { BayeuxError } from '../../../shared/bayeux/error.ts'
import type { ReplyMessage } from '../../../shared/bayeux/message.ts'
import { log, logException } from '../../log.ts'
import type { BayeuxServerInternal } from '../server.ts'
import type { WsConnection } from '../types.ts'
import { parseRequest, serializeMessagesSafely, TooDeep, tooDeepReplies } from './json.ts'
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
  /** The server failed on a frame in a way it could not answer (never expected). */
  InternalError: 1011,
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
  const receive = (data: RawData, isBinary: boolean) => {
    const messages = isBinary ? undefined : parseFrame(data, bayeux.options.maxJsonDepth)
    if (!messages) return ws.close(WsCloseCode.InvalidFrame, 'Invalid Bayeux frame')
    if (messages !== TooDeep && messages.length > bayeux.options.maxMessagesPerRequest) {
      return ws.close(WsCloseCode.TooManyMessages, 'Too many Bayeux messages')
    }
    if (messages !== TooDeep && messages.length === 0) return
    if (++pending > bayeux.options.wsMaxPendingFrames) {
      return ws.close(WsCloseCode.TooManyPendingFrames, 'Too many pending frames')
    }
    line = line.then(() => {
      pending--
      if (messages === TooDeep) return connection.send(tooDeepReplies)
      // Nothing a frame does may end the process: a failure is logged and answered (issue 14).
      const done = bayeux
        .process(messages, ctx)
        .then((replies) => connection.send(replies))
        .catch((err: unknown) => {
          logException('bayeux websocket processing failed', err)
          if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(serverErrors(messages)))
        })
      return isLoneConnect(messages) ? undefined : done
    })
  }
  ws.on('message', (data: RawData, isBinary: boolean) => {
    try {
      receive(data, isBinary)
    } catch (err) {
      logException('bayeux websocket frame failed', err)
      ws.close(WsCloseCode.InternalError, 'Internal error')
    }
  })
  ws.on('error', (err) => log.debug('bayeux websocket error', { error: err.message }))
  ws.on('close', () => bayeux.connectionClosed(connection))
}

function parseFrame(data: RawData, maxJsonDepth: number): unknown[] | typeof TooDeep | undefined {
  const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : data.toString()
  return parseRequest([text], maxJsonDepth)
}

// `500::server_error` for each message of a request that failed as a whole.
function serverErrors(messages: readonly unknown[]): ReplyMessage[] {
  return messages.map((message) => {
    const { id, channel } = isRecord(message) ? message : {}
    return {
      ...(typeof id === 'string' ? { id } : {}),
      ...(typeof channel === 'string' ? { channel } : {}),
      successful: false as const,
      error: BayeuxError.ServerError,
    }
  })
}

function isLoneConnect(messages: unknown[]): boolean {
  const [first] = messages
  return messages.length === 1 && isRecord(first) && first.channel === '/meta/connect'
}

function createConnection(ws: WebSocket, maxBufferedBytes: number): WsConnection {
  return {
    sessionIds: new Set(),
    send(messages: readonly ReplyMessage[]) {
      if (messages.length === 0 || ws.readyState !== ws.OPEN) return
      // A peer that stops reading must not make the server buffer without bound.
      if (ws.bufferedAmount > maxBufferedBytes) return ws.terminate()
      const frame = serializeMessagesSafely(messages)
      // Nothing left once deliveries that cannot be encoded are dropped: send no empty frame.
      if (frame !== '[]') ws.send(frame)
    },
    get isOpen() {
      return ws.readyState === ws.OPEN
    },
  }
}
