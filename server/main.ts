// Entry point: the only file that reads env/argv and calls listen(). PORT (default 8080, 0
// picks a free port), HOST (default 0.0.0.0), TANDEM_DB or --db <path> (default
// ./data/tandem.db; its folder is created), TANDEM_SYNCHRONOUS=full for power-loss durability,
// TANDEM_ALLOW_ANONYMOUS / TANDEM_DEFAULT_ACCESS / TANDEM_ALLOWED_ORIGINS (server/auth/env.ts),
// TANDEM_TCP_PORT or --tcp-port <n> (the raw MobWrite TCP gateway; off unless given),
// TANDEM_MAX_DOC_CHARS (largest document, UTF-16 code units), TANDEM_CHANGE_MEMORY_CHARS
// (recorded text changes kept for composing edits), the Bayeux limits TANDEM_MAX_JSON_DEPTH,
// TANDEM_BAYEUX_BODY_TIMEOUT_MS, TANDEM_UNCONNECTED_SESSION_TIMEOUT_MS,
// TANDEM_MAX_UNCONNECTED_PER_ADDRESS/_PER_BROWSER and TANDEM_MAX_SESSIONS_PER_ADDRESS, the
// gateway limits (gatewayLimitVariables below) and TANDEM_JSONP=true (serve JSONP, off by default),
// --tls-cert/--tls-key, --admin-token and the other operations settings (server/ops/env.ts).
// `npm start` runs it precompiled (server/build.ts → dist/server/main.js, plain node); `npm run
// dev` runs it from the sources under tsx. Paths to files must not assume either layout.

import type { AddressInfo } from 'node:net'
import { type Config, defaultConfig } from './config.ts'
import { log } from './log.ts'
import { openSqliteStore } from './store/sqlite.ts'
import { readAuthEnv } from './auth/env.ts'
import { readOpsEnv } from './ops/env.ts'
import { createTandem } from './tandem.ts'

// `--name <value>` or `--name=<value>`; a flag wins over its environment variable.
function readFlag(argv: readonly string[], name: string, example: string): string | undefined {
  const at = argv.findIndex((a) => a === name || a.startsWith(`${name}=`))
  if (at < 0) return undefined
  const arg = argv[at] ?? ''
  const value = arg === name ? argv[at + 1] : arg.slice(name.length + 1)
  if (!value) throw new RangeError(`${name} needs a value, e.g. ${name} ${example}`)
  return value
}

function readPort(name: string, raw: string): number {
  const port = Number(raw)
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new RangeError(`${name} must be an integer from 0 to 65535, got ${raw}`)
  }
  return port
}

/** An integer environment variable of at least `min`, or `fallback` when it is not set. */
function readCount(env: NodeJS.ProcessEnv, name: string, min: number, fallback: number): number {
  const raw = env[name]
  if (raw === undefined) return fallback
  const value = Number(raw)
  if (raw.trim() === '' || !Number.isSafeInteger(value) || value < min) {
    throw new RangeError(`${name} must be an integer of at least ${min}, got ${raw}`)
  }
  return value
}

// The Bayeux limits against hostile clients (README "Security", issue 14): variable, option,
// smallest value (0 switches a per-address or per-browser limit off).
const bayeuxLimitVariables = [
  ['TANDEM_MAX_JSON_DEPTH', 'maxJsonDepth', 1],
  ['TANDEM_BAYEUX_BODY_TIMEOUT_MS', 'httpBodyTimeoutMs', 1],
  ['TANDEM_UNCONNECTED_SESSION_TIMEOUT_MS', 'unconnectedSessionTimeoutMs', 1],
  ['TANDEM_MAX_UNCONNECTED_PER_ADDRESS', 'maxUnconnectedSessionsPerAddress', 0],
  ['TANDEM_MAX_UNCONNECTED_PER_BROWSER', 'maxUnconnectedSessionsPerBrowser', 0],
  ['TANDEM_MAX_SESSIONS_PER_ADDRESS', 'maxSessionsPerAddress', 0],
] as const

/** Sets each option of `section` named in `variables` from its environment variable, if set. */
function readLimits<K extends string>(
  section: Record<K, number>,
  env: NodeJS.ProcessEnv,
  variables: ReadonlyArray<readonly [string, K, number]>,
): void {
  for (const [name, key, min] of variables) section[key] = readCount(env, name, min, section[key])
}

// The sync service's limits per identity and per Bayeux session (README "Security", issue 14).
const syncLimitVariables = [
  ['TANDEM_MAX_VIEWS_PER_IDENTITY', 'maxViewsPerIdentity', 0],
  ['TANDEM_MAX_USER_IDS_PER_SESSION', 'maxUserIdsPerSession', 1],
] as const

// The MobWrite gateway limits against hostile clients (README "Security", issue 14).
const gatewayLimitVariables = [
  ['TANDEM_BUFFER_EXPIRY_MS', 'bufferExpiryMs', 1],
  ['TANDEM_MAX_BUFFERED_CHARS_PER_GROUP', 'maxBufferedCharsPerGroup', 0],
  ['TANDEM_MAX_BUFFERED_CHARS', 'maxBufferedChars', 0],
  ['TANDEM_MAX_USER_ID_CHARS', 'maxUserIdChars', 1],
  ['TANDEM_WS_MAX_USER_IDS', 'wsMaxUserIdsPerSocket', 1],
  ['TANDEM_TCP_IDLE_TIMEOUT_MS', 'tcpIdleTimeoutMs', 1],
  ['TANDEM_TCP_MAX_CONNECTIONS_PER_ADDRESS', 'tcpMaxConnectionsPerAddress', 0],
] as const

function readGatewayEnv(gateway: Config['gateway'], env: NodeJS.ProcessEnv): void {
  readLimits(gateway, env, gatewayLimitVariables)
  const jsonp = env.TANDEM_JSONP
  if (jsonp === undefined) return
  if (!/^(true|false|1|0)$/i.test(jsonp)) {
    throw new RangeError(`TANDEM_JSONP must be true or false, got ${jsonp}`)
  }
  gateway.allowJsonp = /^(true|1)$/i.test(jsonp)
}

function readConfig(env: NodeJS.ProcessEnv): Config {
  const config = structuredClone(defaultConfig)
  config.http.port = readPort('PORT', env.PORT ?? String(config.http.port))
  config.http.host = env.HOST ?? config.http.host
  const argv = process.argv.slice(2)
  config.store.dbPath =
    readFlag(argv, '--db', './data/tandem.db') ?? env.TANDEM_DB ?? config.store.dbPath
  const tcpPort = readFlag(argv, '--tcp-port', '3017') ?? env.TANDEM_TCP_PORT
  if (tcpPort !== undefined) config.gateway.tcpPort = readPort('--tcp-port', tcpPort)
  config.auth = readAuthEnv(config.auth, env)
  config.sync.maxDocChars = readCount(env, 'TANDEM_MAX_DOC_CHARS', 1, config.sync.maxDocChars)
  config.sync.changeMemoryChars = readCount(
    env,
    'TANDEM_CHANGE_MEMORY_CHARS',
    0,
    config.sync.changeMemoryChars,
  )
  config.sync.maxViewsPerRequest = readCount(
    env,
    'TANDEM_MAX_VIEWS_PER_REQUEST',
    1,
    config.sync.maxViewsPerRequest,
  )
  config.sync.maxTextCharsPerRequest = readCount(
    env,
    'TANDEM_MAX_TEXT_CHARS_PER_REQUEST',
    1,
    config.sync.maxTextCharsPerRequest,
  )
  config.sync.maxCollaboratorLines = readCount(
    env,
    'TANDEM_MAX_COLLABORATOR_LINES',
    0,
    config.sync.maxCollaboratorLines,
  )
  readLimits(config.sync, env, syncLimitVariables)
  readLimits(config.bayeux, env, bayeuxLimitVariables)
  readGatewayEnv(config.gateway, env)
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

const config = readOpsEnv(readConfig(process.env), process.env, process.argv.slice(2))
// Every answer is committed to this file before it leaves (DESIGN §7, server/store/sqlite.ts).
const { dbPath, synchronous, maxGroupedCommits } = config.store
const store = openSqliteStore({ path: dbPath, synchronous, maxGroupedCommits })
// Ops, auth, sync, the MobWrite gateways and the static files (server/tandem.ts).
const { app: tandem, ops, gateways } = createTandem(config, store)

tandem.server.listen(config.http.port, config.http.host, () => {
  const { port } = tandem.server.address() as AddressInfo
  const host = ['0.0.0.0', '::'].includes(config.http.host) ? 'localhost' : config.http.host
  const scheme = config.http.tlsCertPath === undefined ? 'http' : 'https'
  console.log(`Tandem listening on ${scheme}://${host}:${port}`)
})
const tcpServer = gateways.tcp?.server
tcpServer?.listen(config.gateway.tcpPort ?? 0, config.gateway.tcpHost, () => {
  const { address, port } = tcpServer.address() as AddressInfo
  console.log(`MobWrite TCP gateway listening on ${address}:${port}`)
})

let isStopping = false
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (isStopping) return
    isStopping = true
    log.info('stopping', { signal })
    // Stop accepting first (/readyz turns 503); then close() answers held connects, closes
    // sockets with 1001 and the server; the store closes last, after every commit.
    ops.beginShutdown()
    const force = setTimeout(() => {
      log.error('shutdown timed out; closing the store anyway', {
        ms: config.ops.shutdownTimeoutMs,
      })
      store.close()
      process.exit(1)
    }, config.ops.shutdownTimeoutMs)
    force.unref()
    tandem.close().then(
      () => {
        store.close()
        process.exit(0)
      },
      () => process.exit(1),
    )
  })
}
