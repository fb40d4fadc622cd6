// Test harness: a real Tandem server on 127.0.0.1 port 0, torn down by close(), plus waitFor()
// for state that converges over time (STYLE §4.7: no sleeps). startDefaultServer wires every
// layer as `npm start` does (server/tandem.ts); startTestServer only what a suite passes in.

import type { AddressInfo } from 'node:net'
import { type App, type AppDeps, type AppPlugin, createApp } from '../app.ts'
import { type BayeuxConfig, type Config, defaultConfig } from '../config.ts'
import { openSqliteStore, type SqliteStore } from '../store/sqlite.ts'
import { createTandem, type Tandem } from '../tandem.ts'

/** Options of {@link startTestServer}. */
export interface TestServerOptions {
  /** SQLite path; ':memory:' by default. */
  dbPath?: string
  /** Overrides of the `bayeux` config section (short timeouts keep suites fast). */
  bayeux?: Partial<BayeuxConfig>
  /** Edits the whole config after the defaults and the fields above are applied. */
  configure?: (config: Config) => void
  /** The document store, passed through to createApp. */
  store?: AppDeps['store']
  /** Sync service options, passed through to createApp (`{}`: the service with defaults). */
  sync?: AppDeps['sync']
  /** Extra wiring, as in createApp. */
  plugins?: AppPlugin[]
  /** Middleware before the Bayeux HTTP transports, as in createApp. */
  bayeuxGuards?: AppDeps['bayeuxGuards']
  /** Checks on WebSocket upgrades, as in createApp. */
  upgradeGuards?: AppDeps['upgradeGuards']
}

/** A running test server. */
export interface TestServer {
  /** http://127.0.0.1:<port> */
  readonly url: string
  /** http://127.0.0.1:<port>/bayeux */
  readonly bayeuxUrl: string
  /** ws://127.0.0.1:<port>/bayeux */
  readonly wsUrl: string
  readonly port: number
  readonly config: Config
  readonly app: App
  close(): Promise<void>
}

/** Starts a server on 127.0.0.1, port 0. Use `t.after(() => srv.close())`. */
export async function startTestServer(opts: TestServerOptions = {}): Promise<TestServer> {
  const config = structuredClone(defaultConfig)
  config.http = { port: 0, host: '127.0.0.1' }
  config.store.dbPath = opts.dbPath ?? ':memory:'
  config.bayeux = { ...config.bayeux, ...opts.bayeux }
  opts.configure?.(config)
  const app = createApp({
    config,
    store: opts.store,
    sync: opts.sync,
    plugins: opts.plugins,
    bayeuxGuards: opts.bayeuxGuards,
    upgradeGuards: opts.upgradeGuards,
  })
  return listenOnPortZero(app, config)
}

/** A server wired as `npm start` wires it, with its layers. */
export interface DefaultServer extends TestServer {
  readonly tandem: Tandem
  readonly store: SqliteStore
  /** Stops the server and closes its store. */
  close(): Promise<void>
}

/**
 * Starts Tandem exactly as `npm start` assembles it (server/tandem.ts: ops, auth with its rate
 * limits, sync, the MobWrite gateways, static files) with the default configuration, on
 * 127.0.0.1 port 0 with an in-memory SQLite store. `configure` is for tests about a setting.
 */
export async function startDefaultServer(
  configure?: (config: Config) => void,
): Promise<DefaultServer> {
  const config = structuredClone(defaultConfig)
  config.http = { ...config.http, port: 0, host: '127.0.0.1' }
  config.store.dbPath = ':memory:'
  configure?.(config)
  const { dbPath, synchronous, maxGroupedCommits } = config.store
  const store = openSqliteStore({ path: dbPath, synchronous, maxGroupedCommits })
  const tandem = createTandem(config, store)
  const srv = await listenOnPortZero(tandem.app, config)
  let closing: Promise<void> | undefined
  const close = () => (closing ??= srv.close().then(() => store.close()))
  return { ...srv, tandem, store, close }
}

async function listenOnPortZero(app: App, config: Config): Promise<TestServer> {
  await new Promise<void>((resolve, reject) => {
    app.server.once('error', reject)
    app.server.listen(0, '127.0.0.1', () => resolve())
  })
  const { port } = app.server.address() as AddressInfo
  const url = `http://127.0.0.1:${port}`
  let closing: Promise<void> | undefined
  return {
    url,
    bayeuxUrl: `${url}/bayeux`,
    wsUrl: `ws://127.0.0.1:${port}/bayeux`,
    port,
    config,
    app,
    close: () => (closing ??= app.close()),
  }
}

/**
 * Polls `fn` every `intervalMs` until it returns a truthy value or stops throwing, and returns
 * that value; after `timeoutMs` it fails with the last error.
 */
export async function waitFor<T>(
  fn: () => T | Promise<T>,
  { timeoutMs = 5_000, intervalMs = 20 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs
  let lastError: unknown = new Error('waitFor: condition stayed false')
  for (;;) {
    try {
      const value = await fn()
      // A truthy value is never null or undefined.
      if (value) return value as NonNullable<T>
      lastError = new Error(`waitFor: condition stayed false (last value ${String(value)})`)
    } catch (err) {
      lastError = err
    }
    if (Date.now() >= deadline) throw lastError
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
  }
}
