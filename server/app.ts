// createApp(deps): wires express 5 and the WebSocket upgrade table onto one http.Server and
// mounts Bayeux at /bayeux. It never listens (server/main.ts and the test harness do).
// Other modules plug in through `deps.plugins` or the marked hook points below.

import { readFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type RequestListener, type Server } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { Duplex } from 'node:stream'
import express from 'express'
import type { Config } from './config.ts'
import { logException } from './log.ts'
import { createBayeuxServer, type BayeuxServerInternal } from './bayeux/server.ts'
import { createHttpTransport } from './bayeux/transports/http.ts'
import { type BayeuxGuard, runGuards } from './http/guards.ts'
import { createWebSocketTransport } from './bayeux/transports/websocket.ts'
import { openSqliteStore } from './store/sqlite.ts'
import type { Store } from './store/store.ts'
import { createSyncService, type SyncService, type SyncServiceOptions } from './sync/service.ts'

/** Handles a WebSocket upgrade for one path (e.g. `/bayeux`, `/mobwrite`). */
export type UpgradeHandler = (request: IncomingMessage, socket: Duplex, head: Buffer) => void

/**
 * Checks an upgrade before routing (origin, path lists, per-IP limit: server/ops/edge.ts);
 * returns false after writing its own refusal, with a reason, to `socket`.
 */
export type UpgradeCheck = (request: IncomingMessage, socket: Duplex, path: string) => boolean

/** Runs once the app is built; may return a closer run by `close()` (in reverse order). */
export type AppPlugin = (app: App) => void | (() => void | Promise<void>)

/** What createApp needs. */
export interface AppDeps {
  config: Config
  /**
   * The document store (server/store), opened and closed by the caller (main.ts). When `sync`
   * is set and no store is given, createApp opens `config.store.dbPath` and closes it itself.
   */
  store?: Store
  /**
   * Serve MobWrite on `/service/mobwrite` with the sync service, with these options (auth's
   * `access`, `identifySession`, `guard`; `{}` for none). Left out: no sync service is made,
   * for suites that wire their own.
   */
  sync?: Omit<SyncServiceOptions, 'store' | 'bayeux' | 'config'>
  /** Extra wiring, run in order after Bayeux is mounted: services, gateways, static files. */
  plugins?: AppPlugin[]
  /**
   * Checks run before the Bayeux HTTP transports (ops' edge checks, auth's Origin guard against
   * CSRF): express-style middleware over the minimal shapes of server/http/guards.ts.
   */
  bayeuxGuards?: BayeuxGuard[]
  /** Checks on every WebSocket upgrade; any false answers 403 (auth's CSRF guard). */
  upgradeGuards?: Array<(request: IncomingMessage) => boolean>
}

/** The assembled application. */
export interface App {
  readonly server: Server
  readonly app: express.Express
  readonly bayeux: BayeuxServerInternal
  /** WebSocket upgrades by URL path; unknown paths get 404. */
  readonly upgradeRoutes: Map<string, UpgradeHandler>
  /** Run in order before any upgrade is routed (plugins add them, e.g. server/ops). */
  readonly upgradeChecks: UpgradeCheck[]
  /** The sync service and its store, when `deps.sync` asked for them. */
  readonly sync: SyncService | undefined
  readonly store: Store | undefined
  /** Answers held connects, closes sockets, runs plugin closers, closes the server. */
  close(): Promise<void>
}

/** Builds the app: express + ws on one http.Server, Bayeux at /bayeux. Does not listen. */
export function createApp(deps: AppDeps): App {
  const app = express()
  app.disable('x-powered-by')
  const bayeux = createBayeuxServer(deps.config.bayeux)
  const bayeuxHttp = createHttpTransport(bayeux)
  const bayeuxGuards = deps.bayeuxGuards ?? []
  // Requests to /bayeux (exactly so spelled) skip express: its router costs more than a long poll.
  const server = createListener(deps.config, (req, res) => {
    if (isBayeuxUrl(req.url)) runGuards(bayeuxGuards, '/bayeux', req, res, bayeuxHttp)
    else app(req, res)
  })
  const bayeuxWs = createWebSocketTransport(bayeux)
  const upgradeRoutes = new Map<string, UpgradeHandler>()
  const upgradeChecks: UpgradeCheck[] = []
  const closers: Array<() => void | Promise<void>> = []

  // Bayeux: HTTP transports on /bayeux and sub-paths, websocket on the same path (DESIGN §3).
  // No global body parser may run before this: the transport reads its own bodies with limits.
  // Other spellings express routes there too (/BAYEUX, …) reach the same guards and transport.
  for (const guard of bayeuxGuards) app.use('/bayeux', guard)
  app.use('/bayeux', bayeuxHttp)
  upgradeRoutes.set('/bayeux', bayeuxWs.handleUpgrade)
  upgradeRoutes.set('/bayeux/', bayeuxWs.handleUpgrade)
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) =>
    routeUpgrade(upgradeChecks, upgradeRoutes, deps.upgradeGuards ?? [], request, socket, head),
  )

  // Sync service (server/sync): MobWrite over Bayeux on /service/mobwrite, state in the store.
  const { dbPath, synchronous, maxGroupedCommits } = deps.config.store
  const ownsStore = deps.sync !== undefined && deps.store === undefined
  const store = ownsStore
    ? openSqliteStore({ path: dbPath, synchronous, maxGroupedCommits })
    : deps.store
  const sync =
    deps.sync && store
      ? createSyncService({
          maxUserIdChars: deps.config.gateway.maxUserIdChars,
          ...deps.sync,
          store,
          bayeux,
          config: deps.config.sync,
        })
      : undefined

  const result: App = {
    server,
    app,
    bayeux,
    upgradeRoutes,
    upgradeChecks,
    sync,
    store,
    close: () => closeAll(),
  }

  // Hook: services on Bayeux (`/service/mobwrite`), MobWrite gateways (`/scripts/q.py`,
  // `/mobwrite`, ws `/mobwrite` via upgradeRoutes), static web files, admin/health/metrics.
  // Prefer a plugin in deps.plugins; each may return a closer.
  for (const plugin of deps.plugins ?? []) {
    const closer = plugin(result)
    if (closer) closers.push(closer)
  }

  async function closeAll(): Promise<void> {
    sync?.close()
    await bayeux.close()
    await bayeuxWs.close()
    for (const closer of closers.reverse()) {
      try {
        await closer()
      } catch (err) {
        logException('app closer threw', err)
      }
    }
    await new Promise<void>((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections()
    })
    if (ownsStore) store?.close()
  }
  return result
}

// TLS (issue 9): with a certificate, https:// and wss:// share the port; plain HTTP otherwise.
// An https.Server has every http.Server method the app uses (close, closeAllConnections).
function createListener(config: Config, listener: RequestListener): Server {
  const { tlsCertPath, tlsKeyPath } = config.http
  if (tlsCertPath === undefined && tlsKeyPath === undefined) return createServer(listener)
  if (tlsCertPath === undefined || tlsKeyPath === undefined) {
    throw new RangeError('TLS needs both a certificate and a key (--tls-cert and --tls-key)')
  }
  const tls = { cert: readFileSync(tlsCertPath), key: readFileSync(tlsKeyPath) }
  return createHttpsServer(tls, listener) as unknown as Server
}

// `/bayeux`, `/bayeux/…` or `/bayeux?…`, as express's mount at /bayeux matches them.
function isBayeuxUrl(url: string | undefined): boolean {
  if (url === undefined || !url.startsWith('/bayeux')) return false
  const next = url.charCodeAt(7)
  return Number.isNaN(next) || next === 0x2f || next === 0x3f
}

function routeUpgrade(
  checks: readonly UpgradeCheck[],
  routes: Map<string, UpgradeHandler>,
  guards: ReadonlyArray<(request: IncomingMessage) => boolean>,
  request: IncomingMessage,
  socket: Duplex,
  head: Buffer,
): void {
  const path = new URL(request.url ?? '/', 'http://localhost').pathname
  const handler = routes.get(path)
  socket.on('error', () => socket.destroy())
  if (!checks.every((check) => check(request, socket, path))) return
  if (!handler) {
    socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n')
    return
  }
  if (guards.some((guard) => !guard(request))) {
    socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n')
    return
  }
  try {
    handler(request, socket, head)
  } catch (err) {
    logException('upgrade handler threw', err, { path })
    socket.destroy()
  }
}
