// Test harness for the raw MobWrite gateways: a real Tandem server on port 0 with a real SQLite
// store, auth, the sync service on Bayeux and all three gateways (TCP on its own port 0).

import type { AddressInfo } from 'node:net'
import { authPlugin, createAuth, type Auth } from '../auth/auth.ts'
import { type Config, defaultConfig } from '../config.ts'
import { mobwriteGateways, type MobwriteGateways } from '../gateway/gateway.ts'
import { openSqliteStore, type SqliteStore } from '../store/sqlite.ts'
import type { SyncService } from '../sync/service.ts'
import { startTestServer, type TestServer } from './harness.ts'

/** A running server with gateways. */
export interface GatewayServer {
  readonly srv: TestServer
  readonly store: SqliteStore
  readonly auth: Auth
  readonly sync: SyncService
  readonly gateways: MobwriteGateways
  /** Port of the TCP gateway (listening on 127.0.0.1). */
  readonly tcpPort: number
  /** ws://127.0.0.1:<port>/mobwrite */
  readonly mobwriteWsUrl: string
  /** Stops the server and closes the store. */
  close(): Promise<void>
}

/** Starts a server with every gateway on; `configure` edits the config first. Close it after. */
export async function startGatewayServer(
  configure?: (config: Config) => void,
): Promise<GatewayServer> {
  const store = openSqliteStore({ path: ':memory:' })
  const config = structuredClone(defaultConfig)
  config.gateway.tcpPort = 0
  config.sync.pushDebounceMs = 5
  config.auth.rateBurst = 10_000
  configure?.(config)
  const auth = createAuth({ store, config: config.auth })
  let gateways: MobwriteGateways | undefined
  const srv = await startTestServer({
    store,
    configure: (c) => Object.assign(c, { ...config, http: c.http, store: c.store }),
    sync: {
      access: (identity) => auth.access(identity),
      identifySession: (session) => auth.identifySession(session),
      guard: (identity) => auth.checkRequest(identity),
      checkName: (file) => auth.checkDocName(file),
    },
    plugins: [
      authPlugin(auth),
      mobwriteGateways({
        config: config.gateway,
        resolveIdentity: (req) => auth.resolveGateway(req),
        rateLimit: (identity) => auth.checkRequest(identity),
        onCreated: (made) => (gateways = made),
      }),
    ],
  })
  const close = async () => {
    await srv.close()
    store.close()
  }
  const tcp = gateways!.tcp!
  await new Promise<void>((resolve) => tcp.server.listen(0, '127.0.0.1', resolve))
  return {
    srv,
    store,
    auth,
    sync: srv.app.sync!,
    gateways: gateways!,
    tcpPort: (tcp.server.address() as AddressInfo).port,
    mobwriteWsUrl: `ws://127.0.0.1:${srv.port}/mobwrite`,
    close,
  }
}
