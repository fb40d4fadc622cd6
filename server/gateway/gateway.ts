// The raw MobWrite gateways assembled (DESIGN §5): HTTP `/scripts/q.py` + `/mobwrite`, WebSocket
// `/mobwrite`, and the TCP listener when `gateway.tcpPort` is set. All of them run requests
// through one core onto the sync service, so engine, ACL and store are the Bayeux path's.

import type { Router } from 'express'
import type { SyncError } from '../../shared/errors.ts'
import type { App, AppPlugin } from '../app.ts'
import type { GatewayRequestLike, Identity } from '../auth/identity.ts'
import type { RateScope } from '../auth/request-limit.ts'
import type { GatewayConfig } from '../config.ts'
import type { SyncService } from '../sync/service.ts'
import { createGatewayBuffers, type GatewayBuffers } from '../../shared/mobwrite/buffers.ts'
import { createGatewayCore } from './core.ts'
import { createHttpGatewayRouter } from './http.ts'
import { createTcpGateway, type TcpGateway } from './tcp.ts'
import { createWebSocketGateway, type WebSocketGateway } from './websocket.ts'

/** What the gateways need from the rest of Tandem. */
export interface MobwriteGatewayDeps {
  readonly sync: Pick<SyncService, 'handle' | 'dropSession' | 'addPushRoute'>
  readonly config: GatewayConfig
  /**
   * Resolves a gateway caller: bind auth's `resolveGatewayIdentity(req, {store, auth})`.
   * The trusted handle comes from here; `h:`/`H:` lines from the network are ignored.
   */
  readonly resolveIdentity: (req: GatewayRequestLike) => Identity | SyncError
  /** Rate limit shared with the Bayeux path (auth's checkRequest; see GatewayCoreDeps). */
  readonly rateLimit?: (identity: Identity & RateScope) => SyncError | undefined
  /** Whether an identity still stands (auth's isCurrent): revoked `/mobwrite` sockets close. */
  readonly isCurrent?: (identity: Identity) => boolean
  /** How often open sockets are checked with `isCurrent` (auth.sessionCheckIntervalMs). */
  readonly sessionCheckIntervalMs?: number
}

/** The assembled gateways. */
export interface MobwriteGateways {
  /** Express router for `/scripts/q.py` and `/mobwrite`. */
  readonly router: Router
  /** The `/mobwrite` WebSocket gateway (register `ws.handleUpgrade` for `/mobwrite`). */
  readonly ws: WebSocketGateway
  /** The TCP gateway, created when `config.tcpPort` is not null; the caller listens. */
  readonly tcp: TcpGateway | undefined
  readonly buffers: GatewayBuffers
  /** Closes sockets and listeners, and removes the push route. */
  close(): Promise<void>
}

/** Creates the gateways; mount them with {@link mountMobwriteGateways} (or use the plugin). */
export function createMobwriteGateways(deps: MobwriteGatewayDeps): MobwriteGateways {
  const { config, resolveIdentity } = deps
  const buffers = createGatewayBuffers(config)
  const core = createGatewayCore({
    sync: deps.sync,
    buffers,
    rateLimit: deps.rateLimit,
    maxUserIdChars: config.maxUserIdChars,
  })
  const ws = createWebSocketGateway({
    core,
    config,
    resolveIdentity,
    dropSession: (id) => deps.sync.dropSession(id),
    isCurrent: deps.isCurrent,
    sessionCheckIntervalMs: deps.sessionCheckIntervalMs,
  })
  // Push notices for `mobwrite-ws:` sessions go to the sockets; the rest go on to Bayeux.
  const removeRoute = deps.sync.addPushRoute((sessionId, notice) =>
    ws.deliverNotice(sessionId, notice),
  )
  const tcp =
    config.tcpPort === null ? undefined : createTcpGateway({ core, config, resolveIdentity })
  return {
    router: createHttpGatewayRouter({ core, config, resolveIdentity }),
    ws,
    tcp,
    buffers,
    async close() {
      removeRoute()
      await Promise.all([ws.close(), tcp?.close()])
    },
  }
}

/** Mounts the HTTP routes and the `/mobwrite` upgrade route on `app`; returns the closer. */
export function mountMobwriteGateways(app: App, gateways: MobwriteGateways): () => Promise<void> {
  app.app.use(gateways.router)
  app.upgradeRoutes.set('/mobwrite', gateways.ws.handleUpgrade)
  return () => gateways.close()
}

/** Options of {@link mobwriteGateways}: the deps without `sync` (the app's service is used). */
export interface MobwriteGatewaysPluginOptions extends Omit<MobwriteGatewayDeps, 'sync'> {
  /** Receives the gateways once made (main.ts listens on `tcp.server`). */
  readonly onCreated?: (gateways: MobwriteGateways) => void
}

/**
 * An AppPlugin that creates the gateways on the app's sync service and mounts them. Put it
 * before the static files plugin, which answers every path while the web build is missing.
 */
export function mobwriteGateways(options: MobwriteGatewaysPluginOptions): AppPlugin {
  return (app) => {
    if (!app.sync) throw new TypeError('The MobWrite gateways need createApp({sync: ...})')
    const gateways = createMobwriteGateways({ ...options, sync: app.sync })
    options.onCreated?.(gateways)
    return mountMobwriteGateways(app, gateways)
  }
}
