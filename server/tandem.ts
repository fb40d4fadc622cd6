// Tandem assembled as `npm start` runs it: the app with the operations layer, auth, the sync
// service, the raw MobWrite gateways and the static files. No environment, no listen(): main.ts
// reads the environment, opens the store and listens; tests start this same assembly on port 0.

import { type App, createApp } from './app.ts'
import type { Config } from './config.ts'
import { staticFiles } from './http/static.ts'
import { type Auth, authPlugin, createAuth } from './auth/auth.ts'
import { mobwriteGateways, type MobwriteGateways } from './gateway/gateway.ts'
import { createOps, type Ops } from './ops/ops.ts'
import type { Store } from './store/store.ts'

/** The assembled server and the layers a caller may need (main.ts listens on `gateways.tcp`). */
export interface Tandem {
  readonly app: App
  readonly ops: Ops
  readonly auth: Auth
  readonly gateways: MobwriteGateways
}

/** Wires every layer of Tandem onto `store` with `config`. Listens nowhere; close `app`. */
export function createTandem(config: Config, store: Store): Tandem {
  // Edge policy, runtime admin, health and metrics (server/ops, issue 9).
  const ops = createOps(config)
  // Identity, access rules, rate limits and the Bayeux policy (server/auth), on the same store.
  const auth = createAuth({ store, config: config.auth })
  // Raw MobWrite gateways (server/gateway): HTTP /scripts/q.py + /mobwrite, ws /mobwrite, TCP.
  let gateways: MobwriteGateways | undefined
  const app = createApp({
    config,
    store,
    sync: {
      access: (identity) => auth.access(identity),
      guard: (identity) => auth.checkRequest(identity),
      isCurrent: (identity) => auth.isCurrent(identity),
      checkName: (file) => ops.checkName(file) ?? auth.checkDocName(file),
    },
    plugins: [
      // First: its push route must be tried before the gateways' (push off swallows notices).
      ops.plugin,
      authPlugin(auth),
      // Before the static files, which answer every path while the web build is missing.
      mobwriteGateways({
        config: config.gateway,
        resolveIdentity: (req) => auth.resolveGateway(req),
        rateLimit: (identity) => auth.checkRequest(identity),
        isCurrent: (identity) => auth.isCurrent(identity),
        sessionCheckIntervalMs: config.auth.sessionCheckIntervalMs,
        onCreated: (made) => (gateways = made),
      }),
      staticFiles({
        listDocuments: (req) =>
          auth.readableDocuments({
            headers: req.headers,
            token: req.query['token'],
            ip: req.ip ?? '',
          }),
      }),
    ],
    bayeuxGuards: [ops.httpGuard, auth.originGuard],
    upgradeGuards: [auth.upgradeGuard],
  })
  if (!gateways) throw new TypeError('createTandem: the gateway plugin did not run')
  return { app, ops, auth, gateways }
}
