// Entry point: the only file that reads env/argv and calls listen(). PORT (default 8080, 0
// picks a free port), HOST (default 0.0.0.0), TANDEM_DB or --db <path> (default
// ./data/tandem.db; its folder is created), TANDEM_SYNCHRONOUS=full for power-loss durability,
// TANDEM_ALLOW_ANONYMOUS / TANDEM_DEFAULT_ACCESS / TANDEM_ALLOWED_ORIGINS (server/auth/env.ts).

import type { AddressInfo } from 'node:net'
import { createApp } from './app.ts'
import { type Config, defaultConfig } from './config.ts'
import { log } from './log.ts'
import { staticFiles } from './http/static.ts'
import { openSqliteStore } from './store/sqlite.ts'
import { authPlugin, createAuth } from './auth/auth.ts'
import { readAuthEnv } from './auth/env.ts'

// `--db <path>` or `--db=<path>` wins over TANDEM_DB.
function readDbFlag(argv: readonly string[]): string | undefined {
  const at = argv.findIndex((a) => a === '--db' || a.startsWith('--db='))
  if (at < 0) return undefined
  const arg = argv[at] ?? ''
  const value = arg === '--db' ? argv[at + 1] : arg.slice('--db='.length)
  if (!value) throw new RangeError('--db needs a path, e.g. --db ./data/tandem.db')
  return value
}

function readConfig(env: NodeJS.ProcessEnv): Config {
  const config = structuredClone(defaultConfig)
  const port = Number(env.PORT ?? config.http.port)
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new RangeError(`PORT must be an integer from 0 to 65535, got ${env.PORT}`)
  }
  config.http.port = port
  config.http.host = env.HOST ?? config.http.host
  config.store.dbPath = readDbFlag(process.argv.slice(2)) ?? env.TANDEM_DB ?? config.store.dbPath
  config.auth = readAuthEnv(config.auth, env)
  if (env.TANDEM_SYNCHRONOUS !== undefined) {
    const level = env.TANDEM_SYNCHRONOUS.toLowerCase()
    if (level !== 'normal' && level !== 'full') {
      throw new RangeError(
        `TANDEM_SYNCHRONOUS must be normal or full, got ${env.TANDEM_SYNCHRONOUS}`,
      )
    }
    config.store.synchronous = level
  }
  return config
}

const config = readConfig(process.env)
// Every answer is committed to this file before it leaves (DESIGN §7, server/store/sqlite.ts).
const store = openSqliteStore({ path: config.store.dbPath, synchronous: config.store.synchronous })
// Identity, access rules, rate limits and the Bayeux policy (server/auth), on the same store.
const auth = createAuth({ store, config: config.auth })
const tandem = createApp({
  config,
  store,
  sync: {
    access: (identity) => auth.access(identity),
    guard: (identity) => auth.checkRequest(identity),
    checkName: (file) => auth.checkDocName(file),
  },
  plugins: [
    authPlugin(auth),
    staticFiles({
      listDocuments: (req) =>
        auth.readableDocuments({
          headers: req.headers,
          token: req.query['token'],
          ip: req.ip ?? '',
        }),
    }),
  ],
  bayeuxGuards: [auth.originGuard],
})

tandem.server.listen(config.http.port, config.http.host, () => {
  const { port } = tandem.server.address() as AddressInfo
  const host = ['0.0.0.0', '::'].includes(config.http.host) ? 'localhost' : config.http.host
  console.log(`Tandem listening on http://${host}:${port}`)
})

let isStopping = false
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (isStopping) return
    isStopping = true
    log.info('stopping', { signal })
    tandem.close().then(
      () => {
        store.close()
        process.exit(0)
      },
      () => process.exit(1),
    )
  })
}
