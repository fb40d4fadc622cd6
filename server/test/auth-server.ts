// A real Tandem server for the auth and collaborator suites: SQLite store, auth (policy,
// authorizers, Origin guard) and the sync service on Bayeux, on 127.0.0.1 port 0.

import { authPlugin, createAuth, type Auth } from '../auth/auth.ts'
import type { AuthConfig, SyncServiceConfig } from '../config.ts'
import { openSqliteStore, type SqliteStore } from '../store/sqlite.ts'
import { createSyncService, type SyncService } from '../sync/service.ts'
import { startTestServer, type TestServer } from './harness.ts'

/** A running server with auth and sync. */
export interface AuthServer {
  readonly srv: TestServer
  readonly store: SqliteStore
  readonly auth: Auth
  /** The sync service, once the app is wired (always after start resolves). */
  readonly sync: SyncService
}

/** Options of {@link startAuthServer}. */
export interface AuthServerOptions {
  /** SQLite file; ':memory:' by default. */
  readonly dbPath?: string
  readonly auth?: Partial<AuthConfig>
  readonly sync?: Partial<SyncServiceConfig>
  /** The sync service's clock (view expiry, collaborator idleness). */
  readonly now?: () => number
}

/** Starts the server; everything is torn down through `t.after`. */
export async function startAuthServer(
  t: { after: (fn: () => unknown) => void },
  options: AuthServerOptions = {},
): Promise<AuthServer> {
  const store = openSqliteStore({ path: options.dbPath ?? ':memory:' })
  let sync: SyncService | undefined
  let auth: Auth | undefined
  const srv = await startTestServer({
    // All test clients share one cookie jar: let each hold its own long poll.
    bayeux: { timeoutMs: 2_000, maxSessionsPerBrowser: 100 },
    configure: (c) => {
      c.auth = { ...c.auth, ...options.auth }
      auth = createAuth({ store, config: c.auth })
    },
    bayeuxGuards: [(req, res, next) => auth!.originGuard(req, res, next)],
    upgradeGuards: [(request) => auth!.upgradeGuard(request)],
    plugins: [
      (app) => authPlugin(auth!)(app),
      (app) => {
        sync = createSyncService({
          store,
          bayeux: app.bayeux,
          access: (identity) => auth!.access(identity),
          guard: (identity) => auth!.checkRequest(identity),
          checkName: (file) => auth!.checkDocName(file),
          config: { pushDebounceMs: 5, ...options.sync },
          ...(options.now ? { now: options.now } : {}),
        })
        return () => sync?.close()
      },
    ],
  })
  t.after(async () => {
    await srv.close()
    store.close()
  })
  return { srv, store, auth: auth!, sync: sync! }
}
