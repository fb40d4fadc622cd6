// The HTTP transports on /bayeux and its sub-paths (/handshake, /connect, ... trap 7):
// long-polling (POST JSON, or form `message=`) and callback-polling (JSONP GET `jsonp` +
// `message`), plus CORS preflight. Owns status codes and headers, never protocol decisions.

import type { IncomingMessage, ServerResponse } from 'node:http'
import type { ReplyMessage } from '../../../shared/bayeux/message.ts'
import { log, logException } from '../../log.ts'
import type { BayeuxServerInternal } from '../server.ts'
import type { BayeuxOptions } from '../types.ts'
import { browserCookie, createContext } from './context.ts'
import { parseRequest, serializeMessagesSafely, TooDeep, tooDeepReplies } from './json.ts'

/** HTTP failures of the transport layer: status plus a short plain-text body. */
export const HttpFailure = {
  /** Unparseable JSON, a bad envelope, or a GET that is not JSONP (Java: 400). */
  BadRequest: { status: 400, body: 'Unknown Bayeux Transport' },
  /** Body or `message` parameter over maxMessageBytes, or more than maxMessagesPerRequest. */
  TooLarge: { status: 413, body: 'Bayeux request too large' },
  /** A body not received whole within httpBodyTimeoutMs (a drip); the connection is closed. */
  TooSlow: { status: 408, body: 'Bayeux request body too slow' },
} as const

const jsonpName = /^[a-zA-Z0-9._-]{1,64}$/
const longPollingHeaders = Object.freeze({
  'Content-Type': 'application/json;charset=UTF-8',
  'Cache-Control': 'no-store',
})
const callbackPollingHeaders = Object.freeze({
  'Content-Type': 'text/javascript;charset=UTF-8',
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
})

/** Serves one request to `/bayeux` or a sub-path (any method; only the query of `url` is read). */
export type HttpTransport = (req: IncomingMessage, res: ServerResponse) => void

/** The HTTP transports as a plain request handler (app.ts calls it with or without express). */
export function createHttpTransport(bayeux: BayeuxServerInternal): HttpTransport {
  const options = bayeux.options
  return (req, res) => {
    applyCors(options, req, res)
    if (req.method === 'OPTIONS') return void endEmpty(res, 200)
    const handler =
      req.method === 'POST' ? longPolling : req.method === 'GET' ? callbackPolling : undefined
    if (!handler) return void fail(res, HttpFailure.BadRequest)
    // Nothing a request does may end the process: any failure is logged and answered 500.
    handler(bayeux, req, res).catch((err: unknown) => {
      // A client hanging up mid-body is not a server failure: no error line (with a stack) per
      // hang-up for anyone to flood the log with (the fuzzer, issue 14).
      if (req.destroyed && (err as { code?: unknown }).code === 'ECONNRESET')
        return void log.debug('bayeux http request aborted by the client')
      logException('bayeux http transport failed', err)
      if (!res.headersSent) endEmpty(res, 500)
      else res.destroy()
    })
  }
}

function endEmpty(res: ServerResponse, status: number): void {
  res.statusCode = status
  res.end()
}

function fail(res: ServerResponse, failure: { status: number; body: string }): void {
  if (res.headersSent) return
  res.writeHead(failure.status, { 'Content-Type': 'text/plain;charset=UTF-8', Connection: 'close' })
  res.end(failure.body)
}

// Cross-origin XHR with credentials needs the exact origin echoed (bayeux-notes §1.9.2).
function applyCors(
  options: Readonly<BayeuxOptions>,
  req: IncomingMessage,
  res: ServerResponse,
): void {
  const origin = req.headers.origin
  if (!origin) return
  const allowed = options.corsAllowedOrigins
  if (!allowed.includes('*') && !allowed.includes(origin)) return
  res.setHeader('Access-Control-Allow-Origin', origin)
  res.setHeader('Access-Control-Allow-Credentials', 'true')
  res.setHeader('Vary', 'Origin')
  if (req.method === 'OPTIONS') {
    res.setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS')
    res.setHeader(
      'Access-Control-Allow-Headers',
      req.headers['access-control-request-headers'] ?? 'Content-Type',
    )
    res.setHeader('Access-Control-Max-Age', '86400')
  }
}

async function longPolling(
  bayeux: BayeuxServerInternal,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const options = bayeux.options
  if (!options.transports.includes('long-polling')) return fail(res, HttpFailure.BadRequest)
  const body = await readBody(req, options.maxMessageBytes, options.httpBodyTimeoutMs)
  if (body === BodyTooSlow) return failAndClose(req, res, HttpFailure.TooSlow)
  if (body === undefined) return fail(res, HttpFailure.TooLarge)
  const isForm = (req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')
  const texts = isForm ? new URLSearchParams(body).getAll('message') : [body]
  const messages = parseRequest(texts, options.maxJsonDepth)
  if (!messages) return fail(res, HttpFailure.BadRequest)
  const replies =
    messages === TooDeep ? tooDeepReplies : await run(bayeux, req, res, messages, 'long-polling')
  if (!replies) return
  sendBody(res, longPollingHeaders, serializeMessagesSafely(replies))
}

async function callbackPolling(
  bayeux: BayeuxServerInternal,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const options = bayeux.options
  const params = new URL(req.url ?? '/', 'http://x').searchParams
  const callback = params.get('jsonp')
  const texts = params.getAll('message')
  const isJsonp = callback !== null && jsonpName.test(callback) && texts.length > 0
  if (!isJsonp || !options.transports.includes('callback-polling'))
    return fail(res, HttpFailure.BadRequest)
  if (texts.reduce((n, t) => n + Buffer.byteLength(t), 0) > options.maxMessageBytes) {
    return fail(res, HttpFailure.TooLarge)
  }
  const messages = parseRequest(texts, options.maxJsonDepth)
  if (!messages) return fail(res, HttpFailure.BadRequest)
  const replies =
    messages === TooDeep
      ? tooDeepReplies
      : await run(bayeux, req, res, messages, 'callback-polling')
  if (!replies) return
  sendBody(res, callbackPollingHeaders, `${callback}(${serializeMessagesSafely(replies)})`)
}

// With its length known, node sends headers and body in one write, not chunked.
function sendBody(res: ServerResponse, headers: Readonly<Record<string, string>>, body: string) {
  res.writeHead(200, { ...headers, 'Content-Length': Buffer.byteLength(body) })
  res.end(body)
}

/** Runs the messages through the core; undefined when the response was already failed. */
async function run(
  bayeux: BayeuxServerInternal,
  req: IncomingMessage,
  res: ServerResponse,
  messages: unknown[],
  transport: 'long-polling' | 'callback-polling',
): Promise<ReplyMessage[] | undefined> {
  if (messages.length > bayeux.options.maxMessagesPerRequest) {
    fail(res, HttpFailure.TooLarge)
    return undefined
  }
  const ctx = createContext(bayeux.options, transport, req, { response: res })
  const replies = await bayeux.process(messages, ctx)
  if (ctx.newBrowserId) {
    res.setHeader('Set-Cookie', cookieFor(bayeux.options, req, res, ctx.newBrowserId))
  }
  return replies
}

// A page on another origin that CORS let in (an embed, README "Editor and widget") sends the
// BAYEUX_BROWSER cookie back only if it is `SameSite=None; Secure` (browsers default to Lax,
// which cross-site XHR never carries) and, where third-party cookies are blocked (incognito,
// Firefox, Safari), `Partitioned` (CHIPS: kept per embedding site). Without it, its long-polling
// session is unknown at once. Browsers keep Secure cookies from https and http://localhost.
function cookieFor(
  options: Readonly<BayeuxOptions>,
  req: IncomingMessage,
  res: ServerResponse,
  browserId: string,
): string {
  const origin = res.getHeader('Access-Control-Allow-Origin')
  if (typeof origin !== 'string' || new URL(origin).host === req.headers.host) {
    return browserCookie(options, browserId)
  }
  const crossSite = {
    ...options,
    browserCookieSecure: true,
    browserCookieSameSite: 'None' as const,
  }
  return `${browserCookie(crossSite, browserId)}; Partitioned`
}

// Answers, then closes the connection: the rest of a dripped body is never read.
function failAndClose(
  req: IncomingMessage,
  res: ServerResponse,
  failure: { status: number; body: string },
): void {
  fail(res, failure)
  res.once('finish', () => req.socket.destroySoon())
}

const BodyTooSlow = Symbol('BodyTooSlow')

/**
 * Reads the body as UTF-8: undefined once it exceeds `maxBytes` (the rest is discarded), or
 * {@link BodyTooSlow} when it is not complete `timeoutMs` after the request (a drip cannot
 * extend it: the deadline is for the whole body, issue 14).
 */
function readBody(
  req: IncomingMessage,
  maxBytes: number,
  timeoutMs: number,
): Promise<string | undefined | typeof BodyTooSlow> {
  const declared = Number(req.headers['content-length'] ?? 0)
  if (declared > maxBytes) {
    req.resume()
    return Promise.resolve(undefined)
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const timer = setTimeout(() => {
      req.pause()
      resolve(BodyTooSlow)
    }, timeoutMs)
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > maxBytes) {
        chunks.length = 0
        clearTimeout(timer)
        resolve(undefined)
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => {
      clearTimeout(timer)
      resolve(Buffer.concat(chunks).toString('utf8'))
    })
    req.on('error', (err) => {
      clearTimeout(timer)
      reject(err)
    })
  })
}
