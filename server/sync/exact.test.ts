// The merge contract (DESIGN §6) through the whole pure stack: the engine (syncStep) and the
// client half (shared/sync/client.ts) of two or three people typing runs at carets, deleting
// and moving, over a link that loses requests, loses answers, duplicates them and serves them
// in any order, and a server that restarts (forgetting its recorded changes), with fast-check
// choosing the schedule. Every character is unique, so after
// everyone has synced the final text is checked character by character: each base and typed
// character present exactly when nobody deleted it, at most once, the base in its order, and
// every typed run in order and whole, except for text typed into it by someone who saw it.
// TANDEM_PROPERTY_RUNS raises the number of cases.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { createClientView, type ClientView } from '../../shared/sync/client.ts'
import { forgetChanges } from './engine-diffs.ts'
import { applyTo, EngineHarness, requestFrom } from './engine-harness.ts'

const runs = Number(process.env.TANDEM_PROPERTY_RUNS ?? 0) || 500
const file = 'doc'

/** What happens next: `who` picks a client, `at` a place or a request. */
interface Action {
  readonly kind:
    | 'type'
    | 'move'
    | 'delete'
    | 'send'
    | 'serve'
    | 'lose-request'
    | 'lose-answer'
    | 'duplicate'
    | 'deliver'
    | 'timeout'
    | 'restart'
  readonly who: number
  readonly at: number
}

interface Client {
  readonly user: string
  view: ClientView
  text: string
  /** The character left of the caret (null: at the start). */
  caretAfter: string | null
  /** The run being typed (reset by a move or a deletion). */
  run: string[]
  inFlight: number | null
}

/** A typed character: who typed it, after which character, in which run. */
interface Typed {
  readonly origin: string | null
  readonly run: string[]
}

class World {
  readonly server = new EngineHarness()
  readonly clients: Client[]
  readonly typed = new Map<string, Typed>()
  readonly deleted = new Set<string>()
  readonly toServer: { client: Client; id: number; request: string }[] = []
  readonly toClient: { client: Client; id: number; answer: string }[] = []
  private nextChar = 0x4e00
  private nextId = 1

  constructor(
    readonly base: string,
    count: number,
  ) {
    this.clients = Array.from({ length: count }, (_, i) => ({
      user: `user${i}`,
      view: createClientView(file),
      text: '',
      caretAfter: null,
      run: [],
      inFlight: null,
    }))
    // The first client creates the document; everyone opens it before typing.
    const [first] = this.clients as [Client]
    first.text = base
    this.settle()
  }

  caretOf(c: Client): number {
    return c.caretAfter === null ? 0 : c.text.indexOf(c.caretAfter) + 1
  }

  act(a: Action): void {
    const c = this.clients[a.who % this.clients.length] as Client
    const pick = <T>(list: readonly T[]): T | undefined => list[a.at % Math.max(1, list.length)]
    switch (a.kind) {
      case 'type': {
        const ch = String.fromCharCode(this.nextChar++)
        const at = this.caretOf(c)
        c.run.push(ch)
        this.typed.set(ch, { origin: c.caretAfter, run: c.run })
        c.text = c.text.slice(0, at) + ch + c.text.slice(at)
        c.caretAfter = ch
        return
      }
      case 'move': {
        const at = a.at % (c.text.length + 1)
        c.caretAfter = at === 0 ? null : (c.text[at - 1] as string)
        c.run = []
        return
      }
      case 'delete': {
        // Backspace 1–3 characters before the caret.
        const at = this.caretOf(c)
        const from = Math.max(0, at - 1 - (a.at % 3))
        for (const ch of c.text.slice(from, at)) this.deleted.add(ch)
        c.text = c.text.slice(0, from) + c.text.slice(at)
        c.caretAfter = from === 0 ? null : (c.text[from - 1] as string)
        c.run = []
        return
      }
      case 'send':
      case 'timeout':
        if (a.kind === 'timeout' || c.inFlight === null) this.send(c)
        return
      case 'serve':
      case 'lose-request':
      case 'duplicate': {
        const i = this.toServer.indexOf(pick(this.toServer) as never)
        if (i < 0) return
        const req = this.toServer[i] as (typeof this.toServer)[number]
        if (a.kind !== 'duplicate') this.toServer.splice(i, 1)
        if (a.kind !== 'lose-request') this.serve(req)
        return
      }
      case 'lose-answer':
        this.toClient.splice(a.at % Math.max(1, this.toClient.length), 1)
        return
      case 'deliver':
        this.deliver(this.toClient.findIndex((x) => x.client === c))
        return
      case 'restart':
        // Views and texts are durable; the memory of recorded changes is not.
        forgetChanges()
        return
    }
  }

  send(c: Client): void {
    const request = requestFrom(c, file)
    c.inFlight = this.nextId++
    this.toServer.push({ client: c, id: c.inFlight, request })
  }

  serve(req: { client: Client; id: number; request: string }): void {
    const answer = this.server.run(req.request).answer
    this.toClient.push({ client: req.client, id: req.id, answer })
  }

  deliver(i: number): void {
    const [got] = i < 0 ? [] : this.toClient.splice(i, 1)
    if (!got) return
    const c = got.client
    // A transport drops answers to requests the client gave up on (web client: call timeout).
    if (c.inFlight !== got.id) return
    applyTo(c, file, got.answer)
    c.inFlight = null
    // The caret keeps the character on its left; gone, it stays where it was.
    if (c.caretAfter !== null && !c.text.includes(c.caretAfter)) c.caretAfter = null
  }

  /** Fault-free rounds until everyone holds the master text. */
  settle(): void {
    this.toServer.length = 0
    this.toClient.length = 0
    for (let round = 0; round < 6; round++) {
      for (const c of this.clients) {
        this.send(c)
        this.serve(this.toServer.pop() as (typeof this.toServer)[number])
        this.deliver(this.toClient.length - 1)
      }
    }
  }

  master(): string {
    return this.server.text(file) ?? ''
  }
}

/** The first rule the converged text breaks, or null (see the file comment). */
function violation(w: World): string | null {
  const text = w.master()
  for (const c of w.clients) if (c.text !== text) return `${c.user} holds ${c.text}, not ${text}`
  const at = new Map<string, number>()
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string
    if (at.has(ch)) return `${ch} twice`
    at.set(ch, i)
  }
  let last = -1
  for (const ch of w.base) {
    const where = at.get(ch)
    if (w.deleted.has(ch) !== (where === undefined)) return `base ${ch} ${where ? 'back' : 'lost'}`
    if (where !== undefined && where < last) return `base ${ch} moved`
    if (where !== undefined) last = where
  }
  for (const [ch, t] of w.typed) {
    if (w.deleted.has(ch) !== !at.has(ch)) return `typed ${ch} ${at.has(ch) ? 'back' : 'lost'}`
    void t
  }
  for (const ch of at.keys()) if (!w.base.includes(ch) && !w.typed.has(ch)) return `${ch}?`
  // Runs: in order, and what stands between two of a run's characters was typed into it.
  const seenRuns = new Set<string[]>()
  for (const { run } of w.typed.values()) {
    if (seenRuns.has(run)) continue
    seenRuns.add(run)
    const alive = run.filter((ch) => at.has(ch))
    for (let k = 1; k < alive.length; k++) {
      const [from, to] = [at.get(alive[k - 1] as string)!, at.get(alive[k] as string)!]
      if (to < from) return `run ${run.join('')} out of order in ${text}`
      const inside = new Set(run.slice(0, run.indexOf(alive[k] as string)))
      for (let i = from + 1; i < to; i++) {
        const ch = text[i] as string
        const origin = w.typed.get(ch)?.origin
        if (origin === undefined || origin === null || !inside.has(origin))
          return `${ch} interleaves run ${run.join('')} in ${text}`
        inside.add(ch)
      }
    }
  }
  return null
}

const kinds: Action['kind'][] = [
  'type',
  'type',
  'type',
  'type',
  'move',
  'delete',
  'send',
  'send',
  'serve',
  'serve',
  'deliver',
  'deliver',
  'lose-request',
  'lose-answer',
  'duplicate',
  'timeout',
  'restart',
]

const actionArb: fc.Arbitrary<Action> = fc.record({
  kind: fc.constantFrom(...kinds),
  who: fc.nat(2),
  at: fc.nat(1000),
})

// A base of unique characters: words of letters between unique separators.
const baseArb = fc
  .array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 6 })
  .map((ws) => {
    let text = ''
    let n = 0
    ws.forEach((len, i) => {
      if (i > 0) text += String.fromCharCode(0x2190 + i)
      for (let k = 0; k < len; k++) text += String.fromCharCode(0x100 + n++)
    })
    return text
  })

test('people typing over a lossy link converge on the contract, per character', () => {
  fc.assert(
    fc.property(
      baseArb,
      fc.integer({ min: 2, max: 3 }),
      fc.array(actionArb, { maxLength: 150 }),
      (base, count, actions) => {
        const w = new World(base, count)
        for (const a of actions) w.act(a)
        w.settle()
        assert.equal(violation(w), null)
      },
    ),
    { numRuns: runs },
  )
})

test('two people at one caret keep their runs whole (Hello one alpha world)', () => {
  // Both carets after "Hello "; each keeps typing after its own last letter while keystrokes
  // and syncs alternate ("Hello one alpworldonealpha world" was seen in browsers).
  const w = new World('Hello world', 2)
  const typed = new Map<Client, string>()
  const type = (c: Client, s: string) => {
    const mine = typed.get(c) ?? ''
    const at = 'Hello '.length + (mine ? c.text.indexOf(mine, 6) - 6 + mine.length : 0)
    c.text = c.text.slice(0, at) + s + c.text.slice(at)
    typed.set(c, mine + s)
  }
  const sync = (c: Client) => {
    w.send(c)
    w.serve(w.toServer.pop()!)
    w.deliver(w.toClient.length - 1)
  }
  const [a, b] = w.clients as [Client, Client]
  for (const [x, y] of [
    ['o', 'al'],
    ['ne', 'ph'],
    [' ', 'a '],
  ] as const) {
    type(a, x)
    type(b, y)
    sync(a)
    sync(b)
  }
  w.settle()
  assert.ok(['Hello one alpha world', 'Hello alpha one world'].includes(w.master()), w.master())
})
