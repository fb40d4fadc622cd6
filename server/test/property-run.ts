// Runs one case of the property suite against the real server: seeds the base text, lets every
// peer join, plays the steps (edits, syncs over the lossy link, restarts), then quiesces every
// peer on a reliable link until all texts and the master text agree, and checks the history.

import { randomUUID } from 'node:crypto'
import { delay } from '../../e2e/bench/lib/rng.ts'
import { encodeText } from '../../shared/mobwrite/escape.ts'
import { History, baseText, show, type EditSpec } from './property-model.ts'
import {
  loopbackAddress,
  openLink,
  type Link,
  type NetEvent,
  type Transport,
} from './property-links.ts'
import { createOriginalPeer, createTandemPeer, type Peer, type PeerKind } from './property-peers.ts'
import type { RealServer } from './property-server.ts'

// TANDEM_PROPERTY_TRACE=1 adds every request and answer to the reports.
const isTracing = process.env['TANDEM_PROPERTY_TRACE'] === '1'

/** One step of a case. Peer numbers are taken modulo the number of peers. */
export type Step =
  | { readonly do: 'edit'; readonly peer: number; readonly edit: EditSpec }
  | { readonly do: 'sync'; readonly peer: number; readonly net: NetEvent }
  | { readonly do: 'syncAll'; readonly nets: readonly NetEvent[] }
  /** A sync during which the person goes on editing (the answer meets a changed text). */
  | {
      readonly do: 'typeDuring'
      readonly peer: number
      readonly net: NetEvent
      readonly edit: EditSpec
    }
  | { readonly do: 'restart' }

/** A whole case, as generated (and as written in a regression test). */
export interface Case {
  readonly peers: readonly { readonly kind: PeerKind; readonly transport: Transport }[]
  /** Letters per word of the base text. */
  readonly words: readonly number[]
  readonly steps: readonly Step[]
  /** What the network does to each peer's first sync (its raw dump); 'ok' where missing. */
  readonly joins?: readonly NetEvent[]
}

/** Counters of a case (or a run), for the suite's closing diagnostic. */
export interface Stats {
  syncs: number
  /** Syncs on a good link that got no answer (a restart, a refusal without an answer). */
  unanswered: number
  /** Answers with an `E:` line (a rate limit). */
  refused: number
  /** Answers with `R:`/`r:` for the file. */
  resyncs: number
  /** Characters the original client's patch_apply lost, kept deleted or moved. */
  originalFuzz: number
}

/** Zeroed counters. */
export const newStats = (): Stats => ({
  syncs: 0,
  unanswered: 0,
  refused: 0,
  resyncs: 0,
  originalFuzz: 0,
})

/** What a case did. */
export interface Outcome {
  readonly violations: string[]
  readonly report: string
  readonly restarts: number
  readonly stats: Stats
}

interface Running {
  readonly history: History
  readonly peers: Peer[]
  readonly links: Link[]
  readonly stats: Stats
}

async function sync(run: Running, p: number, net: NetEvent, during?: EditSpec): Promise<boolean> {
  const peer = run.peers[p]!
  const { request, version, redeclared } = peer.build()
  for (const c of redeclared ?? []) {
    run.history.excused.back.add(c)
    run.history.excused.moved.add(c)
  }
  run.history.built(p, version)
  const answering = run.links[p]!.send(request, net)
  if (during) run.history.edit(p, during)
  const answer = await answering
  if (isTracing)
    run.history.log.push(`    > ${JSON.stringify(request)}\n    < ${JSON.stringify(answer)}`)
  run.stats.syncs++
  if (answer === null) {
    if (net === 'ok') run.stats.unanswered++
    return false
  }
  const refusal = /^E:.*$/m.exec(answer)
  if (refusal) run.history.log.push(`  ${'ABCD'[p]} got ${refusal[0]}`)
  if (refusal) run.stats.refused++
  const note = peer.apply(answer)
  if (note.resync) run.history.log.push(`  ${'ABCD'[p]} got a resync (R:/r:)`)
  if (note.resync) run.stats.resyncs++
  run.stats.originalFuzz +=
    note.lost.length + note.back.length + note.misplaced.length + note.junk.length
  run.history.answered(p, note)
  return true
}

// The first sync sends the peer's (empty) text as a raw dump; it may meet the network too.
async function join(run: Running, p: number, base: string, net: NetEvent): Promise<void> {
  const peer = run.peers[p]!
  if (net !== 'ok') run.history.log.push(`  ${'ABCD'[p]} joins: ${net}`)
  await sync(run, p, net)
  for (let i = 0; i < 5 && peer.text !== base; i++) await sync(run, p, 'ok')
  if (peer.text !== base) throw new Error(`Peer ${p} could not join: '${show(peer.text)}'`)
}

async function seed(server: RealServer, file: string, base: string): Promise<void> {
  const link = await openLink('http', { http: server.httpPort, tcp: server.tcpPort }, '127.0.0.1')
  const answer = await link.send(`u:seed-${file}\nF:0:${file}\nr:1:${encodeText(base)}\n\n`, 'ok')
  if (answer === null) throw new Error('The seed request got no answer')
}

async function settle(run: Running, server: RealServer, file: string): Promise<string> {
  const deadline = Date.now() + 20_000
  let previous = ''
  while (Date.now() < deadline) {
    let isAnswered = true
    for (const p of run.peers.keys()) isAnswered = (await sync(run, p, 'ok')) && isAnswered
    // A client that got no answer (CometD handshaking again after a restart) backs off.
    if (!isAnswered) await delay(50)
    const texts = new Set([...run.peers.map((peer) => peer.text), server.masterText(file) ?? ''])
    const [text = ''] = texts
    if (texts.size === 1 && text === previous) return text
    previous = texts.size === 1 ? text : ''
  }
  const texts = run.peers.map((peer) => `'${show(peer.text)}'`).join(', ')
  throw new Error(
    `No convergence in 20 s: master '${show(server.masterText(file) ?? '')}', ${texts}`,
  )
}

// TANDEM_PROPERTY_SOLO=1: every edit is the first peer's, so nothing is concurrent and a
// failure lies in the engine (edit stack, versions, backup shadow), not in the merge.
const editor = (p: number) => (process.env['TANDEM_PROPERTY_SOLO'] === '1' ? 0 : p)

async function play(run: Running, server: RealServer, steps: readonly Step[]): Promise<void> {
  const n = run.peers.length
  let restarts = 0
  const log = (line: string) => run.history.log.push(`  ${line}`)
  for (const step of steps) {
    if (step.do === 'edit') run.history.edit(editor(step.peer % n), step.edit)
    else if (step.do === 'sync') {
      log(`${'ABCD'[step.peer % n]} syncs: ${step.net}`)
      await sync(run, step.peer % n, step.net)
    } else if (step.do === 'typeDuring') {
      log(`${'ABCD'[editor(step.peer % n)]} syncs: ${step.net}, and types meanwhile:`)
      await sync(run, editor(step.peer % n), step.net, step.edit)
    } else if (step.do === 'syncAll') {
      log(`all sync at once: ${run.peers.map((_, p) => step.nets[p] ?? 'ok').join(', ')}`)
      await Promise.all(run.peers.map((_, p) => sync(run, p, step.nets[p] ?? 'ok')))
    } else if (restarts++ === 0) {
      run.history.log.push('  server restart (SIGKILL)')
      await server.restart()
    }
  }
}

/** Runs `c` on `server` in a document of its own. */
export async function runCase(server: RealServer, c: Case): Promise<Outcome> {
  const file = `prop-${randomUUID().slice(0, 8)}`
  const base = baseText(c.words)
  await seed(server, file, base)
  const ports = { http: server.httpPort, tcp: server.tcpPort }
  const peers = c.peers.map(({ kind }, i) =>
    (kind === 'tandem' ? createTandemPeer : createOriginalPeer)(`${file}-${'abcd'[i]}`, file),
  )
  const links = await Promise.all(
    c.peers.map(({ transport }) => openLink(transport, ports, loopbackAddress(Math.random))),
  )
  const run: Running = { history: new History(base, peers), peers, links, stats: newStats() }
  const restartsBefore = server.restarts
  try {
    for (const p of peers.keys()) await join(run, p, base, c.joins?.[p] ?? 'ok')
    await play(run, server, c.steps)
    let violations: string[]
    let text = ''
    try {
      text = await settle(run, server, file)
      violations = run.history.check(text)
    } catch (err) {
      violations = [(err as Error).message]
    }
    const header = [
      `peers: ${c.peers.map((p, i) => `${'ABCD'[i]} ${p.kind} over ${p.transport}`).join(', ')}`,
      `ancestor: '${show(base)}'`,
    ]
    const footer = [`converged: '${show(text)}'`, ...violations.map((v) => `VIOLATION ${v}`)]
    const report = [...header, ...run.history.log, ...footer].join('\n')
    return { violations, report, restarts: server.restarts - restartsBefore, stats: run.stats }
  } finally {
    await Promise.all(links.map((l) => l.close()))
  }
}
