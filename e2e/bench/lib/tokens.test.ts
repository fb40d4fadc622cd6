// The benchmark's edit bookkeeping: tokens never split, every token found, MobWrite answers
// mapped to the ranges they inserted, edit → all-peers latency merged across processes.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { editToAllPeers } from '../s2-hotdoc.ts'
import { insertedRanges } from './tandem-editor.ts'
import { fingerprint, makeToken, safeInsertPosition, scanTokens, seedText } from './tokens.ts'

test('inserts never land inside a token, and every token is found again', () => {
  const text = `ab${makeToken(1, 2)}cd${makeToken(35, 36)}`
  assert.equal(text, 'ab(1.2)cd(z.10)')
  assert.equal(safeInsertPosition(text, 1), 1)
  assert.equal(safeInsertPosition(text, 4), 7, 'inside (1.2) moves past it')
  assert.equal(safeInsertPosition(text, 11), 15, 'inside (z.10) moves to the end')
  const found: string[] = []
  scanTokens(text, (id) => found.push(id))
  assert.deepEqual(found, ['1.2', 'z.10'])
  const near: string[] = []
  scanTokens('x'.repeat(100) + text, (id) => near.push(id), 100, 103)
  assert.deepEqual(near, ['1.2', 'z.10'], 'a window is widened to whole tokens')
  assert.ok(!seedText(5_000).includes('('))
  assert.equal(seedText(5_000).length, 5_000)
  assert.notEqual(fingerprint('ab'), fingerprint('ba'))
})

test('a MobWrite answer maps to the ranges of the new text it inserted', () => {
  assert.deepEqual(insertedRanges('F:3:d\nd:2:=5\t+(1.2)\t-3\t=4\t+xy\n'), [
    [5, 10],
    [14, 16],
  ])
  assert.deepEqual(insertedRanges('F:3:d\nd:2:=5\t+%C3%A9\n'), [[5, 6]], 'decoded length')
  assert.equal(insertedRanges('F:1:d\nR:0:hello\n'), null, 'a raw text means scan it all')
  assert.deepEqual(insertedRanges('F:1:d\nC:~a:127.0.0.1:{}\n'), [])
})

test('edit → all-peers latency takes the last peer and counts edits some peer missed', () => {
  const { latency, unseen } = editToAllPeers(
    [
      {
        created: [
          ['0.0', 1000],
          ['0.1', 2000],
        ],
        seen: [['0.0', 1, 1010]],
        bytes: 0,
        syncs: 0,
        acked: [],
      },
      {
        created: [],
        seen: [
          ['0.0', 1, 1040],
          ['0.1', 1, 2005],
        ],
        bytes: 0,
        syncs: 0,
        acked: [],
      },
    ],
    2,
  )
  assert.equal(latency.count, 1)
  assert.ok(Math.abs(latency.p50 - 40) < 0.1, `p50 ${latency.p50}`)
  assert.equal(unseen, 1, '0.1 reached one peer of two')
})
