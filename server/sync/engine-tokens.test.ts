// Benchmark-shaped texts (e2e/bench S5): nothing but adjacent tokens like "(8l.0)(e5.1)", no
// spaces. The word diff aligned such texts symbol by symbol and split an insert across a shared
// "(0." (dmp strips the common prefix), so two views' concurrent inserts fused into broken
// tokens: both acknowledged edits were lost (e2e/bench/analysis.md S5).

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createClientView, type ClientView } from '../../shared/sync/client.ts'
import { applyTo, EngineHarness, requestFrom } from './engine-harness.ts'
import { createRng } from '../../e2e/bench/lib/rng.ts'

const wholeTokens = /^(\([0-9a-z]+\.[0-9a-z]+\))*$/

test('two views insert around one token: every token is kept whole', { timeout: 10_000 }, () => {
  const server = new EngineHarness()
  assert.equal(server.say('u:ann / f:0:s5 / r:1:(0.0)'), 'F:1:s5 / d:0:=5')
  assert.equal(server.say('u:bob / f:0:s5 / r:1:(0.0)'), 'F:1:s5 / d:0:=5')
  server.say('u:ann / F:1:s5 / d:1:+(0.2)\t=5\t+(1.1)')
  server.say('u:bob / F:1:s5 / d:1:+(0.3)\t=5\t+(2.4)')
  // Before the fix: "(0.2)(3)(0.0)(1.1.0)(2.4)", losing (0.3) and (1.1). Where both insert at
  // one place, the later edit goes first (merge.ts).
  assert.equal(server.text('s5'), '(0.3)(0.2)(0.0)(2.4)(1.1)')
})

interface Editor {
  readonly user: string
  readonly index: number
  seq: number
  view: ClientView
  text: string
  /** Tokens typed since the last request, and those the request in flight carries. */
  pending: string[]
  sent: string[]
  acked: string[]
}

/** A token between tokens, as the benchmark types it. */
function type(e: Editor, rnd: () => number): void {
  const token = `(${e.index}.${e.seq++})`
  const cuts = [0, ...[...e.text.matchAll(/\)/g)].map((m) => m.index + 1)]
  const at = cuts[Math.floor(rnd() * cuts.length)] as number
  e.text = e.text.slice(0, at) + token + e.text.slice(at)
  e.pending.push(token.slice(1, -1))
}

// Editors type into an empty document while requests are served in any order; an edit counts as
// acknowledged when an answer without errors comes back (as the benchmark's editor counts).
function runSeed(seed: number): void {
  const rnd = createRng(seed)
  const server = new EngineHarness()
  const editors: Editor[] = Array.from({ length: 2 + (seed % 3) }, (_, i) => ({
    user: `bench${i}`,
    index: i,
    seq: 0,
    view: createClientView('s5'),
    text: '',
    pending: [],
    sent: [],
    acked: [],
  }))
  const queue: { e: Editor; request: string }[] = []
  const send = (e: Editor): void => {
    const request = requestFrom(e, 's5')
    e.sent = e.pending
    e.pending = []
    queue.push({ e, request })
  }
  const serve = (i: number): void => {
    const [{ e, request } = { e: null, request: '' }] = queue.splice(i, 1)
    if (!e) return
    const result = applyTo(e, 's5', server.run(request).answer)
    if (result?.errors.length === 0) e.acked.push(...e.sent)
    else e.pending.unshift(...e.sent)
  }
  for (const e of editors) (send(e), serve(0))
  for (let step = 0; step < 60; step++) {
    const e = editors[Math.floor(rnd() * editors.length)] as Editor
    const r = rnd()
    if (r < 0.4) type(e, rnd)
    else if (r < 0.7 && !queue.some((q) => q.e === e)) send(e)
    else serve(Math.floor(rnd() * queue.length))
  }
  while (queue.length) serve(0)
  for (let round = 0; round < 3; round++) for (const e of editors) (send(e), serve(0))
  const master = server.text('s5') ?? ''
  assert.match(master, wholeTokens, `SEED=${seed}: broken tokens`)
  for (const e of editors) {
    assert.equal(e.text, master, `SEED=${seed}: ${e.user} did not converge`)
    for (const id of e.acked) assert.ok(master.includes(`(${id})`), `SEED=${seed}: lost ${id}`)
  }
}

test('benchmark-shaped typing loses no acknowledged token', { timeout: 30_000 }, () => {
  const only = process.env.SEED
  for (const seed of only ? [Number(only)] : Array.from({ length: 300 }, (_, i) => i + 1))
    runSeed(seed)
})
