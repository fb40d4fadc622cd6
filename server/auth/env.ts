// The `auth` settings an operator may give as environment variables. Pure: main.ts passes its
// env in (it is the only file that reads process.env) and gets the edited section back.

import type { AuthConfig } from '../config.ts'
import { isAccessLevel } from './acl.ts'

/** The variables {@link readAuthEnv} understands, for usage texts and the README. */
export const authEnvVars = {
  TANDEM_ALLOW_ANONYMOUS: 'true|false: may clients without a token connect (auth.allowAnonymous)',
  TANDEM_DEFAULT_ACCESS: 'write|read|none: access where no rule matches (auth.defaultAccess)',
  TANDEM_ALLOWED_ORIGINS: 'comma-separated origins for cookie-carrying POSTs (auth.allowedOrigins)',
  TANDEM_RATE_PER_SECOND:
    'requests/s per client (session, socket or view); 0 turns rate limits off (auth.ratePerSecond)',
  TANDEM_RATE_BURST: 'requests a client may send at once (auth.rateBurst)',
  TANDEM_SHARED_RATE_PER_SECOND:
    'requests/s per token, or per address for anonymous clients; 0: no such ceiling (auth.sharedRatePerSecond)',
  TANDEM_SHARED_RATE_BURST: 'requests a token or address may send at once (auth.sharedRateBurst)',
} as const

function readCount(name: string, value: string): number {
  const n = Number(value)
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) {
    throw new RangeError(`${name} must be a number >= 0, got ${value}`)
  }
  return n
}

function readBoolean(name: string, value: string): boolean {
  if (/^(true|1|yes|on)$/i.test(value)) return true
  if (/^(false|0|no|off)$/i.test(value)) return false
  throw new RangeError(`${name} must be true or false, got ${value}`)
}

/**
 * `base` with the `TANDEM_*` auth variables of `env` applied.
 * @throws RangeError naming the variable when a value is not understood.
 */
export function readAuthEnv(
  base: AuthConfig,
  env: Readonly<Record<string, string | undefined>>,
): AuthConfig {
  const config = { ...base, allowedOrigins: [...base.allowedOrigins] }
  const anonymous = env['TANDEM_ALLOW_ANONYMOUS']
  if (anonymous !== undefined)
    config.allowAnonymous = readBoolean('TANDEM_ALLOW_ANONYMOUS', anonymous)
  const access = env['TANDEM_DEFAULT_ACCESS']
  if (access !== undefined) {
    if (!isAccessLevel(access)) {
      throw new RangeError(`TANDEM_DEFAULT_ACCESS must be write, read or none, got ${access}`)
    }
    config.defaultAccess = access
  }
  // The benchmark (e2e/bench) turns the limit off: all its clients share one loopback address.
  const rate = env['TANDEM_RATE_PER_SECOND']
  if (rate !== undefined) config.ratePerSecond = readCount('TANDEM_RATE_PER_SECOND', rate)
  const burst = env['TANDEM_RATE_BURST']
  if (burst !== undefined) config.rateBurst = readCount('TANDEM_RATE_BURST', burst)
  const shared = env['TANDEM_SHARED_RATE_PER_SECOND']
  if (shared !== undefined)
    config.sharedRatePerSecond = readCount('TANDEM_SHARED_RATE_PER_SECOND', shared)
  const sharedBurst = env['TANDEM_SHARED_RATE_BURST']
  if (sharedBurst !== undefined)
    config.sharedRateBurst = readCount('TANDEM_SHARED_RATE_BURST', sharedBurst)
  const origins = env['TANDEM_ALLOWED_ORIGINS']
  if (origins !== undefined) {
    config.allowedOrigins = origins
      .split(',')
      .map((o) => o.trim())
      .filter((o) => o !== '')
  }
  return config
}
