import { test } from 'node:test'
import assert from 'node:assert/strict'
import { computeSyncInterval, createUserId } from './timing.ts'

test('computeSyncInterval follows MobWrite testComputeSyncInterval', () => {
  const range = { minIntervalMs: 100, maxIntervalMs: 200 }
  assert.equal(computeSyncInterval(185, range, false, false), 195)
  assert.equal(computeSyncInterval(195, range, false, false), 200)
  assert.equal(computeSyncInterval(175, range, false, true), 155)
  assert.equal(computeSyncInterval(175, range, true, false), 135)
  assert.equal(computeSyncInterval(175, range, true, true), 115)
  assert.equal(computeSyncInterval(110, range, true, true), 100)
})

test('createUserId: twelve characters, a letter first, no colon', () => {
  for (let i = 0; i < 50; i++) assert.match(createUserId(), /^[a-z][a-z0-9]{11}$/)
  assert.equal(
    createUserId((b) => b.fill(0)),
    'aaaaaaaaaaaa',
  )
})
