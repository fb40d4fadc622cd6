// The per-document lock: same-document runs are serialized in call order, other documents run
// at once, multi-document runs wait for each of their documents, and failures release.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createKeyedLock } from '../sync/document-lock.ts'

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void
  const promise = new Promise<void>((r) => (resolve = r))
  return { promise, resolve }
}

test('serializes runs on one key in call order', { timeout: 5_000 }, async () => {
  const lock = createKeyedLock()
  const log: string[] = []
  const gate = deferred()
  const first = lock.run(['a'], async () => {
    log.push('1 start')
    await gate.promise
    log.push('1 end')
  })
  const second = lock.run(['a'], () => log.push('2'))
  const other = lock.run(['b'], () => log.push('other'))
  await other
  assert.deepEqual(log, ['1 start', 'other'])
  gate.resolve()
  await Promise.all([first, second])
  assert.deepEqual(log, ['1 start', 'other', '1 end', '2'])
  assert.equal(lock.size, 0)
})

test('starts a free run synchronously', { timeout: 5_000 }, async () => {
  const lock = createKeyedLock()
  let ran = false
  const done = lock.run(['x'], () => {
    ran = true
    return 42
  })
  assert.equal(ran, true)
  assert.equal(await done, 42)
})

test('a multi-key run waits for every key and blocks each', { timeout: 5_000 }, async () => {
  const lock = createKeyedLock()
  const log: string[] = []
  const gateA = deferred()
  const gateB = deferred()
  const a = lock.run(['a'], () => gateA.promise.then(() => log.push('a')))
  const b = lock.run(['b'], () => gateB.promise.then(() => log.push('b')))
  const ab = lock.run(['b', 'a', 'a'], () => log.push('ab'))
  const afterB = lock.run(['b'], () => log.push('b2'))
  gateB.resolve()
  await b
  assert.deepEqual(log, ['b'])
  gateA.resolve()
  await Promise.all([a, ab, afterB])
  assert.deepEqual(log, ['b', 'a', 'ab', 'b2'])
})

test('a failing run rejects its caller and releases the key', { timeout: 5_000 }, async () => {
  const lock = createKeyedLock()
  const failing = lock.run(['a'], () => {
    throw new RangeError('boom')
  })
  const next = lock.run(['a'], () => 'next')
  await assert.rejects(failing, RangeError)
  assert.equal(await next, 'next')
  assert.equal(lock.size, 0)
})
