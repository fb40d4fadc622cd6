import { test } from 'node:test'
import assert from 'node:assert/strict'
import { defaultConfig } from '../config.ts'
import { readAuthEnv } from './env.ts'

test('auth variables override the defaults; bad values name the variable', () => {
  const base = defaultConfig.auth
  assert.deepEqual(readAuthEnv(base, {}), base)
  const locked = readAuthEnv(base, {
    TANDEM_ALLOW_ANONYMOUS: 'false',
    TANDEM_DEFAULT_ACCESS: 'none',
    TANDEM_ALLOWED_ORIGINS: 'https://a.example, https://b.example,',
  })
  assert.equal(locked.allowAnonymous, false)
  assert.equal(locked.defaultAccess, 'none')
  assert.deepEqual(locked.allowedOrigins, ['https://a.example', 'https://b.example'])
  assert.equal(readAuthEnv(base, { TANDEM_ALLOW_ANONYMOUS: '1' }).allowAnonymous, true)
  assert.throws(
    () => readAuthEnv(base, { TANDEM_ALLOW_ANONYMOUS: 'maybe' }),
    /TANDEM_ALLOW_ANONYMOUS must be true or false, got maybe/,
  )
  assert.throws(
    () => readAuthEnv(base, { TANDEM_DEFAULT_ACCESS: 'admin' }),
    /TANDEM_DEFAULT_ACCESS must be write, read or none, got admin/,
  )
  assert.deepEqual(base.allowedOrigins, [], 'the base is not edited')
})

test('rate limit variables set the bucket; 0 turns the limit off; bad values name the variable', () => {
  const base = defaultConfig.auth
  const open = readAuthEnv(base, { TANDEM_RATE_PER_SECOND: '0', TANDEM_RATE_BURST: '500' })
  assert.equal(open.ratePerSecond, 0)
  assert.equal(open.rateBurst, 500)
  assert.throws(
    () => readAuthEnv(base, { TANDEM_RATE_PER_SECOND: 'fast' }),
    /TANDEM_RATE_PER_SECOND must be a number >= 0, got fast/,
  )
  assert.throws(
    () => readAuthEnv(base, { TANDEM_RATE_BURST: '-1' }),
    /TANDEM_RATE_BURST must be a number >= 0, got -1/,
  )
})
