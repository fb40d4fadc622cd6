// The runtime admin endpoints under /admin (issue 9): off unless `ops.adminToken` is set; every
// call needs `Authorization: Bearer <token>`, compared in constant time. JSON in and out; the
// token never reaches a log line. `tandem admin` (server/ops/admin-cli.ts) calls these.

import { createHash, timingSafeEqual } from 'node:crypto'
import express from 'express'
import { ErrorCode } from '../../shared/errors.ts'
import type { BayeuxServer } from '../bayeux/types.ts'
import { log } from '../log.ts'
import type { RuntimeControls } from '../ops/controls.ts'
import type { SyncService } from '../sync/service.ts'

/** What the admin router acts on. */
export interface AdminDeps {
  /** The admin token; null or empty: every /admin path answers 404. */
  readonly token: string | null
  readonly controls: RuntimeControls
  readonly bayeux: BayeuxServer
  readonly sync: SyncService | undefined
}

const digest = (value: string) => createHash('sha256').update(value).digest()

/** Whether `presented` equals `expected`, in time independent of where they differ. */
export function isTokenEqual(presented: string, expected: string): boolean {
  // Hashing first makes both sides 32 bytes, so neither length nor content leaks by timing.
  return timingSafeEqual(digest(presented), digest(expected)) && expected.length > 0
}

function bearer(header: string | undefined): string {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')
  return match?.[1] ?? ''
}

type Handler = (req: express.Request, res: express.Response) => unknown | Promise<unknown>

/** Express router for /admin; mount with `app.use('/admin', createAdminRouter(deps))`. */
export function createAdminRouter(deps: AdminDeps): express.Router {
  const router = express.Router()
  router.use((req, res, next) => {
    if (!deps.token) return void deny(res, 404, 'Admin is off: set TANDEM_ADMIN_TOKEN')
    if (!isTokenEqual(bearer(req.headers.authorization), deps.token)) {
      log.warn('admin request refused', { path: req.path, ip: req.ip })
      return void deny(res, 401, 'Missing or wrong admin token (Authorization: Bearer ...)')
    }
    next()
  })
  router.use(express.json({ limit: '16kb' }))
  for (const [route, handler] of Object.entries(routes(deps))) {
    const [method = '', path = ''] = route.split(' ')
    const wrapped: Handler = async (req, res) => {
      try {
        await handler(req, res)
      } catch (err) {
        if (!(err instanceof RangeError)) throw err
        res.status(400).json({ code: ErrorCode.ERR_REQUEST_INVALID, message: err.message })
      }
    }
    if (method === 'GET') router.get(path, wrapped)
    else router.post(path, wrapped)
  }
  return router
}

function deny(res: express.Response, status: number, message: string): void {
  res.status(status).json({ code: ErrorCode.ERR_ADMIN_UNAUTHORIZED, message })
}

function numberField(body: unknown, name: string): number | undefined {
  const value = (body as Record<string, unknown> | undefined)?.[name]
  if (value === undefined) return undefined
  if (typeof value !== 'number') throw new RangeError(`${name} must be a number of milliseconds`)
  return value
}

function stringField(body: unknown, name: string): string {
  const value = (body as Record<string, unknown> | undefined)?.[name]
  if (typeof value !== 'string' || value === '') throw new RangeError(`${name} is required`)
  return value
}

// Dispatch by table: "METHOD /path" → handler.
function routes(deps: AdminDeps): Record<string, Handler> {
  const { controls, bayeux, sync } = deps
  const audit = (action: string, fields: Record<string, unknown> = {}) =>
    log.info('admin action', { action, ...fields })
  return {
    'GET /status': (_req, res) => res.json(controls.status()),
    'POST /push/deactivate': (_req, res) => {
      controls.setPushActive(false)
      audit('push deactivate')
      res.json(controls.status())
    },
    'POST /push/activate': (_req, res) => {
      controls.setPushActive(true)
      audit('push activate')
      res.json(controls.status())
    },
    'POST /settings': (req, res) => {
      const timeoutMs = numberField(req.body, 'timeoutMs')
      const viewExpiryMs = numberField(req.body, 'viewExpiryMs')
      if (timeoutMs === undefined && viewExpiryMs === undefined) {
        throw new RangeError('Give timeoutMs and/or viewExpiryMs')
      }
      if (timeoutMs !== undefined) controls.setTimeoutMs(timeoutMs)
      if (viewExpiryMs !== undefined) controls.setViewExpiryMs(viewExpiryMs)
      audit('settings', { timeoutMs, viewExpiryMs })
      res.json(controls.status())
    },
    'GET /sessions': (_req, res) =>
      res.json(
        [...bayeux.sessions()].map((s) => ({
          id: s.id,
          transport: s.transport,
          remoteAddress: s.remoteAddress,
          state: s.state,
          subscriptions: [...s.subscriptions],
        })),
      ),
    'POST /sessions/close': (req, res) => {
      const id = stringField(req.body, 'id')
      const isClosed = controls.closeSession(id)
      audit('session close', { isClosed })
      res.status(isClosed ? 200 : 404).json({ closed: isClosed })
    },
    'GET /documents': (_req, res) => {
      if (!sync) throw new RangeError('This server has no sync service')
      res.json(
        sync.listDocuments().map((d) => ({ ...d, views: sync.listLiveViews(d.file).length })),
      )
    },
    'POST /documents/end': async (req, res) => {
      const file = stringField(req.body, 'file')
      const result = await controls.endDocument(file)
      audit('document end', { file, ...result })
      res.json(result)
    },
  }
}
