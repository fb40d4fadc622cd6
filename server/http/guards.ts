// Guards in front of the Bayeux HTTP transports (createApp's `bayeuxGuards`: the ops edge
// checks, auth's CSRF guard) are express-style middleware over a minimal request and response.
// Express's own objects fit those shapes, and so do the thin wrappers here, which let app.ts run
// the same guards on raw node requests to /bayeux without express's router in front (the
// long-polling hot path, e2e/bench/analysis.md).

import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http'
import type { TLSSocket } from 'node:tls'
import { logException } from '../log.ts'

/** What a guard reads of a request (express's request fits). */
export interface GuardRequest {
  readonly method: string
  readonly headers: IncomingHttpHeaders
  /** Whether the request came over TLS. */
  readonly secure: boolean
  /** The request target as received: path and query. */
  readonly originalUrl: string
  /** The path below the mount point (`/handshake` for `/bayeux/handshake`), as express has it. */
  readonly path: string
}

/** What a guard may do to the response (express's response fits). */
export interface GuardResponse {
  status(code: number): GuardResponse
  set(fields: Record<string, string>): GuardResponse
  /** Ends the response with `body` as JSON. */
  json(body: unknown): void
  end(): void
}

/** A check before the Bayeux HTTP transports: calls `next()` to pass, or answers by itself. */
export type BayeuxGuard = (
  req: GuardRequest,
  res: GuardResponse,
  next: (err?: unknown) => void,
) => void

class RawGuardRequest implements GuardRequest {
  constructor(
    private readonly req: IncomingMessage,
    private readonly mount: string,
  ) {}

  get method(): string {
    return this.req.method ?? 'GET'
  }

  get headers(): IncomingHttpHeaders {
    return this.req.headers
  }

  get secure(): boolean {
    return (this.req.socket as Partial<TLSSocket>).encrypted === true
  }

  get originalUrl(): string {
    return this.req.url ?? '/'
  }

  get path(): string {
    const url = this.originalUrl
    const query = url.indexOf('?')
    return url.slice(this.mount.length, query < 0 ? undefined : query) || '/'
  }
}

class RawGuardResponse implements GuardResponse {
  constructor(private readonly res: ServerResponse) {}

  status(code: number): GuardResponse {
    this.res.statusCode = code
    return this
  }

  set(fields: Record<string, string>): GuardResponse {
    for (const [name, value] of Object.entries(fields)) this.res.setHeader(name, value)
    return this
  }

  json(body: unknown): void {
    const text = JSON.stringify(body)
    if (!this.res.hasHeader('Content-Type')) {
      this.res.setHeader('Content-Type', 'application/json; charset=utf-8')
    }
    this.res.setHeader('Content-Length', Buffer.byteLength(text))
    this.res.end(text)
  }

  end(): void {
    this.res.end()
  }
}

/**
 * Runs `guards` in order on a raw request below `mount`, then `serve` once every guard called
 * `next()`. A guard that throws or passes an error answers 500, as express would.
 */
export function runGuards(
  guards: readonly BayeuxGuard[],
  mount: string,
  req: IncomingMessage,
  res: ServerResponse,
  serve: (req: IncomingMessage, res: ServerResponse) => void,
): void {
  if (guards.length === 0) return serve(req, res)
  new GuardChain(guards, mount, req, res, serve).next()
}

// One per guarded request; `next` is a property, not a named closure (no name to set per call).
class GuardChain {
  readonly next: (err?: unknown) => void
  readonly #request: RawGuardRequest
  readonly #response: RawGuardResponse
  #index = 0

  constructor(
    private readonly guards: readonly BayeuxGuard[],
    mount: string,
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly serve: (req: IncomingMessage, res: ServerResponse) => void,
  ) {
    this.#request = new RawGuardRequest(req, mount)
    this.#response = new RawGuardResponse(res)
    this.next = (err) => this.#step(err)
  }

  #step(err: unknown): void {
    if (err !== undefined) return failed(this.res, err)
    const guard = this.guards[this.#index++]
    if (!guard) return this.serve(this.req, this.res)
    try {
      guard(this.#request, this.#response, this.next)
    } catch (thrown) {
      failed(this.res, thrown)
    }
  }
}

function failed(res: ServerResponse, err: unknown): void {
  logException('bayeux guard failed', err)
  if (res.headersSent) return
  res.statusCode = 500
  res.end()
}
