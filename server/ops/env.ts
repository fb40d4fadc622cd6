// Reads the operations settings from the environment and flags main.ts passes in (this module
// touches neither process.env nor process.argv itself). A flag wins over its variable.

import type { Config } from '../config.ts'

function flag(argv: readonly string[], name: string): string | undefined {
  const at = argv.findIndex((a) => a === name || a.startsWith(`${name}=`))
  if (at < 0) return undefined
  const arg = argv[at] ?? ''
  const value = arg === name ? argv[at + 1] : arg.slice(name.length + 1)
  if (!value || value.startsWith('--')) throw new RangeError(`${name} needs a value`)
  return value
}

const list = (raw: string) =>
  raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)

function count(name: string, raw: string): number {
  const n = Number(raw)
  if (!Number.isInteger(n) || n < 0)
    throw new RangeError(`${name} must be an integer >= 0, got ${raw}`)
  return n
}

/**
 * Applies `--tls-cert`/`TANDEM_TLS_CERT`, `--tls-key`/`TANDEM_TLS_KEY`,
 * `--admin-token`/`TANDEM_ADMIN_TOKEN`, `TANDEM_DENY_PATHS`, `TANDEM_DENY_CHANNELS`,
 * `TANDEM_MAX_CONNECTIONS_PER_IP`, `TANDEM_ENDED_DOCUMENT_MS`, `TANDEM_WS_DEFLATE=1` and `NODE_ENV=production` (no
 * localhost origins) to a copy of `config`.
 */
export function readOpsEnv(
  config: Config,
  env: Readonly<Record<string, string | undefined>>,
  argv: readonly string[],
): Config {
  const next = structuredClone(config)
  const cert = flag(argv, '--tls-cert') ?? env.TANDEM_TLS_CERT
  const key = flag(argv, '--tls-key') ?? env.TANDEM_TLS_KEY
  if (cert !== undefined) next.http.tlsCertPath = cert
  if (key !== undefined) next.http.tlsKeyPath = key
  if ((cert === undefined) !== (key === undefined)) {
    throw new RangeError('TLS needs both --tls-cert and --tls-key (or TANDEM_TLS_CERT/KEY)')
  }
  const token = flag(argv, '--admin-token') ?? env.TANDEM_ADMIN_TOKEN
  if (token !== undefined) {
    if (token.length < 16) throw new RangeError('The admin token must be at least 16 characters')
    next.ops.adminToken = token
  }
  if (env.TANDEM_DENY_PATHS !== undefined) next.ops.denyPaths = list(env.TANDEM_DENY_PATHS)
  if (env.TANDEM_DENY_CHANNELS !== undefined) next.ops.denyChannels = list(env.TANDEM_DENY_CHANNELS)
  if (env.TANDEM_MAX_CONNECTIONS_PER_IP !== undefined) {
    next.ops.maxConnectionsPerIp = count(
      'TANDEM_MAX_CONNECTIONS_PER_IP',
      env.TANDEM_MAX_CONNECTIONS_PER_IP,
    )
  }
  if (env.TANDEM_ENDED_DOCUMENT_MS !== undefined) {
    next.ops.endedDocumentMs = count('TANDEM_ENDED_DOCUMENT_MS', env.TANDEM_ENDED_DOCUMENT_MS)
  }
  if (env.TANDEM_WS_DEFLATE !== undefined)
    next.bayeux.wsPerMessageDeflate = env.TANDEM_WS_DEFLATE === '1'
  if (env.NODE_ENV === 'production') next.ops.allowLocalhostOrigins = false
  // Behind TLS the browser cookie should be Secure.
  if (cert !== undefined) next.bayeux.browserCookieSecure = true
  return next
}
