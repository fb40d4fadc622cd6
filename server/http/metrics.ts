// GET /metrics in the Prometheus text exposition format (version 0.0.4). Counts only: no
// document names, user names or tokens appear in labels.

import express from 'express'
import type { MetricsRegistry } from '../ops/metrics.ts'

/** Express router serving `registry` at /metrics. */
export function createMetricsRouter(registry: MetricsRegistry): express.Router {
  const router = express.Router()
  router.get('/metrics', (_req, res) => {
    res
      .set('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
      .set('Cache-Control', 'no-store')
      .send(registry.render())
  })
  return router
}
