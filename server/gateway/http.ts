// The HTTP gateway (mobwrite-notes §1.9): `POST` form field `q` → text/plain answer plus the
// blank line the original client requires; `p` (GET or POST) → JSONP `mobwrite.callback("…");`
// without it. Protocol trouble still answers 200 with an `E:` line: the stock client treats any
// other status as "no answer" and stalls until its 30 s watchdog fires.

import type { IncomingMessage, ServerResponse } from 'node:http'
import { Router, type Request, type Response } from 'express'
import type { GatewayConfig } from '../config.ts'
import type { GatewayRequestLike, Identity } from '../auth/identity.ts'
import { ErrorCode, SyncError } from '../../shared/errors.ts'
import { refusalAnswer, type GatewayCore } from './core.ts'
import { decodeForm } from './form.ts'
import { readBody } from './http-body.ts'
import { encodeJsonp } from './jsonp.ts'
import { corsHeaders, isPreflight } from './cors.ts'

/** Paths of the HTTP gateway: the original client's default and Tandem's own. */
export const httpGatewayPaths = ['/scripts/q.py', '/mobwrite'] as const

/** Dependencies of {@link createHttpGateway}. */
export interface HttpGatewayDeps {
  readonly core: GatewayCore
  readonly config: Pick<
    GatewayConfig,
    'corsOrigins' | 'maxBodyBytes' | 'maxQueryBytes' | 'httpBodyTimeoutMs' | 'allowJsonp'
  >
  /** Resolves the caller (bearer header or `token` parameter; anonymous when allowed). */
  readonly resolveIdentity: (req: GatewayRequestLike) => Identity | SyncError
}

const noField = new SyncError(ErrorCode.ERR_REQUEST_INVALID, 'The request has no q or p field')
const jsonpOff = new SyncError(
  ErrorCode.ERR_PATH_FORBIDDEN,
  'JSONP and GET requests are off on this server (gateway.allowJsonp, TANDEM_JSONP)',
)

/** How the answer is framed: `q` → plain text, `p` → JSONP. */
type Mode = 'text' | 'jsonp'

// The field names are read before any value is decoded, so even a request whose values cannot
// be decoded gets its answer in the form its client can read.
function modeOf(method: string | undefined, raw: string): Mode {
  for (const pair of raw.split('&')) {
    const name = pair.split('=', 1)[0]
    if (name === 'q') return 'text'
    if (name === 'p') return 'jsonp'
  }
  return method === 'GET' ? 'jsonp' : 'text'
}

function send(res: ServerResponse, mode: Mode, answer: string): void {
  const isText = mode === 'text'
  res.statusCode = 200
  res.setHeader(
    'Content-Type',
    isText ? 'text/plain; charset=utf-8' : 'application/javascript; charset=utf-8',
  )
  res.setHeader('Cache-Control', 'no-store')
  res.setHeader('X-Content-Type-Options', 'nosniff')
  res.end(isText ? answer + '\n' : encodeJsonp(answer))
}

function clientIp(req: IncomingMessage): string {
  return (req as Partial<Request>).ip ?? req.socket.remoteAddress ?? 'unknown'
}

/** The raw query string and body of a request, within the configured limits. */
async function readRaw(deps: HttpGatewayDeps, req: IncomingMessage) {
  const url = req.url ?? ''
  const query = url.includes('?') ? url.slice(url.indexOf('?') + 1) : ''
  if (Buffer.byteLength(query) > deps.config.maxQueryBytes) {
    throw new SyncError(
      ErrorCode.ERR_REQUEST_TOO_LARGE,
      `Query string larger than ${deps.config.maxQueryBytes} bytes (gateway.maxQueryBytes)`,
    )
  }
  const body =
    req.method === 'POST'
      ? await readBody(req, {
          maxBytes: deps.config.maxBodyBytes,
          timeoutMs: deps.config.httpBodyTimeoutMs,
        })
      : undefined
  return { query, body }
}

/** Answers one gateway request (after CORS and method checks). */
async function answerRequest(deps: HttpGatewayDeps, req: IncomingMessage, res: ServerResponse) {
  const url = req.url ?? ''
  let mode = modeOf(req.method, url.includes('?') ? url.slice(url.indexOf('?') + 1) : '')
  try {
    // JSONP off (the default): a `<script>`/`<img>` on any page sends a GET with the visitor's
    // cookies and address and no Origin, so neither a GET nor `p=` runs (issue 14); a
    // cross-origin POST carries an Origin, which the edge policy checks first.
    if (!deps.config.allowJsonp && req.method === 'GET')
      return send(res, mode, refusalAnswer(jsonpOff))
    const { query, body } = await readRaw(deps, req)
    if (body && body.length > 0) mode = modeOf(undefined, body.toString('latin1') + '&' + query)
    if (!deps.config.allowJsonp && mode === 'jsonp') return send(res, mode, refusalAnswer(jsonpOff))
    // Body fields win over query fields of the same name.
    const fields = decodeForm(query)
    for (const [name, value] of body ? decodeForm(body) : []) fields.set(name, value)
    const identity = deps.resolveIdentity({
      headers: req.headers,
      token: fields.get('token'),
      name: fields.get('name'),
      ip: clientIp(req),
    })
    if (identity instanceof SyncError) return send(res, mode, refusalAnswer(identity))
    const text = fields.get(mode === 'text' ? 'q' : 'p') ?? fields.get('q') ?? fields.get('p')
    if (text === undefined) return send(res, mode, refusalAnswer(noField))
    send(res, mode, await deps.core.answer(text, identity))
  } catch (err) {
    // Too large or undecodable: answer, then close so the unread rest of the body goes nowhere.
    if (!req.complete) res.setHeader('Connection', 'close')
    send(res, mode, refusalAnswer(err))
    if (!req.complete) res.once('finish', () => req.socket.destroySoon())
  }
}

/** The gateway as a plain Node request handler (used by the Express router below). */
export function createHttpGateway(deps: HttpGatewayDeps) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    for (const [name, value] of corsHeaders(req.headers.origin, deps.config.corsOrigins)) {
      res.setHeader(name, value)
    }
    if (isPreflight(req)) {
      res.statusCode = 204
      return void res.end()
    }
    if (req.method !== 'GET' && req.method !== 'POST') {
      res.statusCode = 405
      res.setHeader('Allow', 'GET, POST, OPTIONS')
      return void res.end()
    }
    void answerRequest(deps, req, res)
  }
}

/** An Express router serving {@link httpGatewayPaths}. */
export function createHttpGatewayRouter(deps: HttpGatewayDeps): Router {
  const handle = createHttpGateway(deps)
  const router = Router()
  for (const path of httpGatewayPaths) {
    router.all(path, (req: Request, res: Response) => handle(req, res))
  }
  return router
}
