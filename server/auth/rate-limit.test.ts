import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ErrorCode } from '../../shared/errors.ts'
import { createRateLimiter } from './rate-limit.ts'

test('a bucket allows a burst, then refills at the rate', () => {
  let nowMs = 1_000
  const limiter = createRateLimiter({ ratePerSecond: 2, burst: 3, now: () => nowMs })
  assert.deepEqual(
    [1, 2, 3, 4].map(() => limiter.take('a')),
    [true, true, true, false],
  )
  assert.equal(limiter.take('b'), true, 'keys are independent')
  nowMs += 499
  assert.equal(limiter.take('a'), false)
  nowMs += 1
  assert.equal(limiter.take('a'), true)
  nowMs += 10_000
  assert.deepEqual(
    [1, 2, 3, 4].map(() => limiter.take('a')),
    [true, true, true, false],
    'refill caps at the burst',
  )
})

test('check returns a recoverable ERR_RATE_LIMITED that says when to retry', () => {
  let nowMs = 0
  const limiter = createRateLimiter({ ratePerSecond: 4, burst: 1, now: () => nowMs })
  assert.equal(limiter.waitMs('k'), 0, 'an unknown key may go now')
  assert.equal(limiter.check('k'), undefined)
  const err = limiter.check('k')
  assert.equal(err?.code, ErrorCode.ERR_RATE_LIMITED)
  assert.equal(err?.isRecoverable, true)
  assert.equal(err?.retryAfterMs, 250)
  assert.deepEqual(err?.toJSON(), {
    code: 'ERR_RATE_LIMITED',
    message:
      'Too many requests: at most 4 per second (bursts of 1); nothing was changed, retry after 250 ms',
    isRecoverable: true,
    retryAfterMs: 250,
  })
  nowMs += 100
  assert.equal(limiter.waitMs('k'), 150, 'waitMs takes nothing')
  nowMs += 150
  assert.equal(limiter.check('k'), undefined, 'the advised retry passes')
})

test('a rate of 0 switches limiting off; full buckets are forgotten when over maxKeys', () => {
  const off = createRateLimiter({ ratePerSecond: 0, burst: 0 })
  for (let i = 0; i < 1000; i++) assert.equal(off.take('x'), true)
  let nowMs = 0
  const limiter = createRateLimiter({ ratePerSecond: 10, burst: 2, now: () => nowMs, maxKeys: 3 })
  for (const key of ['a', 'b', 'c']) limiter.take(key)
  nowMs += 1_000
  limiter.take('d')
  assert.equal(limiter.size(), 1)
})
