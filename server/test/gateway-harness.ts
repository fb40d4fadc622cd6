// Test harness for the raw MobWrite gateways: Tandem as `npm start` wires it (ops, auth, the sync
// service on Bayeux, the gateways) on port 0 with an in-memory SQLite store, TCP on its own port 0.

import type { AddressInfo } from 'node:net'
import type { Auth } from '../auth/auth.ts'
import type { Config } from '../config.ts'
import type { MobwriteGateways } from '../gateway/gateway.ts'
import type { SqliteStore } from '../store/sqlite.ts'
import type { SyncService } from '../sync/service.ts'
import type { TestServer } from './harness.ts'
import { startDefaultServer } from './harness.ts'

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

/**
 * Starts Tandem as `npm start` wires it (server/tandem.ts) with the TCP gateway on too;
 * `configure` edits the config first. Close it after.
 */
export async function startGatewayServer(
  configure?: (config: Config) => void,
): Promise<GatewayServer> {
  const srv = await startDefaultServer((config) => {
    config.gateway.tcpPort = 0
    // Push notices within a few ms, and a rate burst no suite reaches: these suites send hundreds
    // of requests back to back from one address (the limits have their own tests).
    config.sync.pushDebounceMs = 5
    config.auth.rateBurst = 10_000
    // These suites test the JSONP transport, which an operator must switch on (it is off by
    // default: any page could use it through a visitor's browser; gateway-hostile-limits tests that).
    config.gateway.allowJsonp = true
    configure?.(config)
  })
  const { auth, gateways } = srv.tandem
  const tcp = gateways.tcp!
  await new Promise<void>((resolve) => tcp.server.listen(0, '127.0.0.1', resolve))
  return {
    srv,
    store: srv.store,
    auth,
    sync: srv.app.sync!,
    gateways,
    tcpPort: (tcp.server.address() as AddressInfo).port,
    mobwriteWsUrl: `ws://127.0.0.1:${srv.port}/mobwrite`,
    close: () => srv.close(),
  }
}
