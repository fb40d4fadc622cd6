// The operations layer (issue 9) as one object main.ts wires in: the edge policy on upgrades and
// HTTP transports, denied channels, runtime controls, /healthz, /readyz, /metrics, /admin, and
// the shutdown flag. createOps() comes before createApp (its checkName goes into the sync
// options and its httpGuard into bayeuxGuards); its plugin comes before the gateways.

import type { IncomingMessage } from 'node:http'
import type { TLSSocket } from 'node:tls'
import type { Duplex } from 'node:stream'
import { ErrorCode, type SyncError } from '../../shared/errors.ts'
import type { AppPlugin, UpgradeCheck } from '../app.ts'
import type { Config } from '../config.ts'
import { log } from '../log.ts'
import { createAdminRouter } from '../http/admin.ts'
import type { BayeuxGuard } from '../http/guards.ts'
import { createHealthRouter } from '../http/health.ts'
import { createMetricsRouter } from '../http/metrics.ts'
import { createRuntimeControls, type RuntimeControls } from './controls.ts'
import {
  canonicalPath,
  checkOrigin,
  checkPath,
  createConnectionCounter,
  type EdgePolicyOptions,
  isRefusal,
  negotiateSubprotocol,
  type Refusal,
  refusalResponse,
} from './edge.ts'
import { createTandemMetrics, type TandemMetrics } from './instrument.ts'

/** The operations layer of one app. */
export interface Ops {
  readonly controls: RuntimeControls
  readonly metrics: TandemMetrics
  /** For the sync options' `checkName`: ended documents get `E:` ERR_DOC_ENDED. */
  checkName(file: string): SyncError | undefined
  /** Origin and path checks for HTTP transports; put it in createApp's `bayeuxGuards`. */
  readonly httpGuard: BayeuxGuard
  /** Mounts everything on the app; list it before the gateways and static files. */
  readonly plugin: AppPlugin
  /** Marks the server as stopping: /readyz answers 503, new WebSocket upgrades get 503. */
  beginShutdown(): void
  readonly isStopping: boolean
}

/** The edge policy options from the config (origins come from `auth.allowedOrigins`). */
export function edgePolicyOf(config: Config): EdgePolicyOptions {
  return {
    allowedOrigins: config.auth.allowedOrigins,
    allowLocalhostOrigins: config.ops.allowLocalhostOrigins,
    allowPaths: config.ops.allowPaths,
    denyPaths: config.ops.denyPaths,
    wsSubprotocols: config.ops.wsSubprotocols,
    maxConnectionsPerIp: config.ops.maxConnectionsPerIp,
  }
}

// Transport paths whose HTTP requests pass the origin and path checks; pages and /admin do not.
// Tested on the canonical path, so every spelling the router serves is checked (issue 14 #9).
const transportPath = /^\/(bayeux|mobwrite|scripts\/q\.py)(\/|$)/

/**
 * Creates the operations layer for `config`. (Longer than 30 lines: it is the API object and the
 * two checks its plugin installs, each short.)
 */
export function createOps(config: Config): Ops {
  const policy = edgePolicyOf(config)
  const controls = createRuntimeControls(
    config.ops,
    config.bayeux.timeoutMs,
    config.sync.viewExpiryMs,
  )
  const metrics = createTandemMetrics()
  const counter = createConnectionCounter(policy.maxConnectionsPerIp)
  let isStopping = false

  const httpGuard: BayeuxGuard = (req, res, next) => {
    const path = req.originalUrl.split('?')[0] ?? '/'
    if (!transportPath.test(canonicalPath(path))) return next()
    const refusal = checkPath(path, policy) ?? checkOrigin(req.headers, req.secure, policy)
    if (!refusal) return next()
    log.info('http request refused', { path, status: refusal.status, code: refusal.code })
    // A page on a refused origin (an embed, README "Editor and widget") must be able to read
    // why: the preflight passes and the refusal carries CORS headers; the request itself is not
    // served.
    const origin = req.headers.origin
    if (refusal.code === ErrorCode.ERR_ORIGIN_FORBIDDEN && origin !== undefined) {
      res.set({
        'Access-Control-Allow-Origin': origin,
        'Access-Control-Allow-Credentials': 'true',
        Vary: 'Origin',
      })
      if (req.method === 'OPTIONS') {
        const headers = req.headers['access-control-request-headers'] ?? 'Content-Type'
        res.set({ 'Access-Control-Allow-Methods': 'POST', 'Access-Control-Allow-Headers': headers })
        return void res.status(204).end()
      }
    }
    res.status(refusal.status).json({ code: refusal.code, message: refusal.reason })
  }

  const upgradeCheck: UpgradeCheck = (request, socket, path) => {
    const refusal = checkUpgrade(request, path)
    if (refusal) return refuse(socket, path, refusal)
    const slot = counter.acquire(normalizeIp(request.socket.remoteAddress))
    if (isRefusal(slot)) return refuse(socket, path, slot)
    metrics.socketChanged(path, 1)
    socket.once('close', () => {
      slot.release()
      metrics.socketChanged(path, -1)
    })
    return true
  }

  function checkUpgrade(request: IncomingMessage, path: string): Refusal | undefined {
    if (isStopping) {
      return {
        status: 503,
        code: ErrorCode.ERR_SERVER_STOPPING,
        reason: 'The server is shutting down',
      }
    }
    const isSecure = (request.socket as Partial<TLSSocket>).encrypted === true
    const refusal = checkPath(path, policy) ?? checkOrigin(request.headers, isSecure, policy)
    if (refusal) return refusal
    const negotiated = negotiateSubprotocol(request.headers, policy)
    if (isRefusal(negotiated)) return negotiated
    // ws answers with the first protocol of this header: leave it only the chosen one.
    if (negotiated.protocol !== undefined)
      request.headers['sec-websocket-protocol'] = negotiated.protocol
    return undefined
  }

  const plugin: AppPlugin = (app) => {
    app.upgradeChecks.push(upgradeCheck)
    app.app.use(httpGuard)
    app.app.use(createHealthRouter({ store: app.store, isStopping: () => isStopping }))
    app.app.use(createMetricsRouter(metrics.registry))
    app.app.use(
      '/admin',
      createAdminRouter({
        token: config.ops.adminToken,
        controls,
        bayeux: app.bayeux,
        sync: app.sync,
      }),
    )
    const removers = config.ops.denyChannels.map((pattern) =>
      app.bayeux.addAuthorizer(pattern, () => ({
        kind: 'deny',
        reason: 'channel_denied_by_server',
      })),
    )
    const detach = controls.attach(app.bayeux, app.sync)
    const stopMetrics = metrics.attach(app)
    return () => {
      removers.forEach((remove) => remove())
      detach()
      stopMetrics()
    }
  }

  return {
    controls,
    metrics,
    checkName: (file) => controls.checkEnded(file),
    httpGuard,
    plugin,
    beginShutdown() {
      isStopping = true
    },
    get isStopping() {
      return isStopping
    },
  }
}

function refuse(socket: Duplex, path: string, refusal: Refusal): false {
  log.info('upgrade refused', { path, status: refusal.status, code: refusal.code })
  socket.end(refusalResponse(refusal))
  return false
}

function normalizeIp(address: string | undefined): string {
  return (address ?? 'unknown').replace(/^::ffff:/, '')
}
