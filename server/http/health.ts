// Liveness and readiness (issue 9): /healthz answers while the process serves requests;
// /readyz also proves the database takes writes (a real write transaction) and turns 503 once
// a graceful shutdown began, so a load balancer stops sending new clients first.

import express from 'express'
import { logException } from '../log.ts'
import type { Store } from '../store/store.ts'

/** What the health routes look at. */
export interface HealthDeps {
  readonly store: Store | undefined
  /** True once shutdown started. */
  readonly isStopping: () => boolean
}

// A view no client can name (MobWrite user ids are printable), so deleting it touches no row.
const probeView = { user: '\u0000readyz', file: '\u0000readyz' }

/** Runs the write probe: one commit deleting a view that cannot exist. Throws when unwritable. */
export function probeStore(store: Store): void {
  store.commit({ deleteViews: [probeView] })
}

/** Express router with GET /healthz and GET /readyz. */
export function createHealthRouter(deps: HealthDeps): express.Router {
  const router = express.Router()
  router.get('/healthz', (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ status: 'ok', uptimeSeconds: process.uptime() })
  })
  router.get('/readyz', (_req, res) => {
    res.set('Cache-Control', 'no-store')
    if (deps.isStopping()) return void res.status(503).json({ status: 'stopping' })
    if (!deps.store) return void res.json({ status: 'ok', store: 'none' })
    try {
      probeStore(deps.store)
      res.json({ status: 'ok', store: 'writable' })
    } catch (err) {
      logException('readiness probe failed', err)
      res.status(503).json({ status: 'unavailable', store: 'not writable' })
    }
  })
  return router
}
