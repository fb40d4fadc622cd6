import { test } from 'node:test'
import assert from 'node:assert/strict'
import { defaultConfig } from '../config.ts'
import { createRequestLimiter } from './request-limit.ts'

const limits = { ratePerSecond: 10, rateBurst: 2, sharedRatePerSecond: 100, sharedRateBurst: 5 }
const address = (client?: string) => ({ client, group: 'address:1.1.1.1', isAddress: true })

test('a client runs dry alone; a refusal takes nothing from its group', () => {
  const nowMs = 0
  const limiter = createRequestLimiter(limits, () => nowMs)
  assert.equal(limiter.check(address('a')), undefined)
  assert.equal(limiter.check(address('a')), undefined)
  for (let i = 0; i < 10; i++) {
    const refused = limiter.check(address('a'))
    assert.equal(refused?.retryAfterMs, 100)
    assert.match(refused?.message ?? '', /at most 10 per second from one client \(bursts of 2\)/)
  }
  // Ten refusals later the group still holds 3 of its 5.
  for (const client of ['b', 'c', 'd']) assert.equal(limiter.check(address(client)), undefined)
  const full = limiter.check(address('e'))
  assert.match(full?.message ?? '', /at most 100 per second from one address \(bursts of 5\)/)
  assert.equal(full?.retryAfterMs, 10)
})

test('requests without a client key count only against their group', () => {
  const limiter = createRequestLimiter(limits, () => 0)
  for (let i = 0; i < 5; i++) assert.equal(limiter.check(address()), undefined)
  const token = { client: undefined, group: 'token:t1', isAddress: false }
  assert.equal(limiter.check(token), undefined, 'another group')
  assert.match(limiter.check(address())?.message ?? '', /one address/)
})

test('ratePerSecond 0 switches both tiers off; sharedRatePerSecond 0 only the group tier', () => {
  const off = createRequestLimiter({ ...limits, ratePerSecond: 0 }, () => 0)
  for (let i = 0; i < 100; i++) assert.equal(off.check(address('a')), undefined)
  const noCeiling = createRequestLimiter({ ...limits, sharedRatePerSecond: 0 }, () => 0)
  for (const client of 'abcdefghij') {
    assert.equal(noCeiling.check(address(client)), undefined)
    assert.equal(noCeiling.check(address(client)), undefined)
  }
  assert.ok(noCeiling.check(address('a')), 'the client tier still applies')
})

test('the defaults admit 30 clients of one address at 4 syncs/s for a minute', () => {
  let nowMs = 0
  const limiter = createRequestLimiter(defaultConfig.auth, () => nowMs)
  for (let tick = 0; tick < 240; tick++, nowMs += 250) {
    for (let c = 0; c < 30; c++) assert.equal(limiter.check(address(`session:${c}`)), undefined)
  }
})
