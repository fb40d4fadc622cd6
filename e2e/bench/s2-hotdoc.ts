// S2, one hot document (BENCHMARKS.md S2): N editors each typing 5 tokens/s into one document
// seeded with 10 KB, editors spread over several generator processes, N stepped up by 10 until
// p95 edit → all-peers latency passes 250 ms. A fresh document per step.
import type { EditorKind, S2Report, S2Setup } from './gen/s2-gen.ts'
import { createHistogram, recordMs, summarize, type LatencySummary } from './lib/hist.ts'
import { callAll, runEach, startGenerator, type Generator } from './lib/ipc.ts'
import { cpuSeconds, startServer, stopChild, type ServerChild } from './lib/procs.ts'
import { split, waitFor } from './lib/rng.ts'
import { seedText } from './lib/tokens.ts'
import { startTandem, type TandemOptions } from './tandem.ts'

/** One S2 contender: which server, and which editor talks to it. */
export interface S2Contender {
  name: string
  kind: EditorKind
}

/** The S2 contenders. */
export const s2Contenders: S2Contender[] = [
  { name: 'Tandem (diff-sync over Bayeux websocket)', kind: 'tandem' },
  { name: 'y-websocket 2.1.0 (yjs 13.6.33)', kind: 'y-websocket' },
  { name: 'Hocuspocus 3.4.3', kind: 'hocuspocus' },
]

/** Sizes and pacing of one S2 run. */
export interface S2Options {
  generators: number
  seedBytes: number
  editsPerSec: number
  /** Editor counts to try, in order; stops at the first that breaks. */
  steps: number[]
  stepMs: number
  p95LimitMs: number
  settleMs: number
  tandem: TandemOptions
}

/** One step (one N) of one contender. */
export interface S2Step {
  editors: number
  edits: number
  latency: LatencySummary
  /** Edits some peer never saw before the settle finished. */
  unseen: number
  converged: boolean
  bytesPerEdit: number
  serverCpuMsPer1kDeliveries: number
  /** Tandem: sync requests, and server CPU µs per request. */
  syncs: number
  serverCpuUsPerSync: number
  /** CPU-seconds per wall second over the step: the server's, and all generators' together. */
  serverCpuShare: number
  generatorCpuShare: number
  /** 2 when the first attempt broke and this is the retry. */
  attempts: number
  passed: boolean
}

/** One contender's S2 outcome. */
export interface S2Result {
  contender: S2Contender
  steps: S2Step[]
  /** Largest N whose step passed (p95 ≤ limit, converged); 0 if none. */
  maxEditors: number
  /**
   * The step that broke had the generators' core busy (≥ 85%): the load generator, not the
   * server, set the limit, so `maxEditors` is a lower bound for this server.
   */
  isGeneratorBound: boolean
  error?: string
}

function serverFor(c: S2Contender, options: S2Options): Promise<ServerChild> {
  if (c.kind === 'tandem') return startTandem(options.tandem)
  return startServer(`e2e/bench/servers/${c.kind}.ts`)
}

function urlFor(c: S2Contender, port: number): string {
  return c.kind === 'tandem' ? `http://127.0.0.1:${port}/bayeux` : `ws://127.0.0.1:${port}`
}

/** Runs every contender (a fresh server each) and returns their steps. */
export function runS2(
  options: S2Options,
  contenders = s2Contenders,
  log: (s: string) => void,
): Promise<S2Result[]> {
  const partial = new Map<S2Contender, S2Step[]>()
  const run = async (c: S2Contender): Promise<S2Result> => {
    log(`S2: ${c.name}`)
    const steps: S2Step[] = []
    partial.set(c, steps)
    await runContender(c, options, steps, log)
    return {
      contender: c,
      steps,
      maxEditors: maxPassing(steps),
      isGeneratorBound: isGeneratorBound(steps),
    }
  }
  const failed = (c: S2Contender, error: string): S2Result => {
    const steps = partial.get(c) ?? []
    return { contender: c, steps, maxEditors: maxPassing(steps), isGeneratorBound: false, error }
  }
  return runEach(contenders, run, failed, log)
}

/** The generators' core counts as saturated from this CPU share on. */
export const generatorSaturation = 0.85

function isGeneratorBound(steps: S2Step[]): boolean {
  const broke = steps.find((s) => !s.passed)
  return broke !== undefined && broke.generatorCpuShare >= generatorSaturation
}

function maxPassing(steps: S2Step[]): number {
  let max = 0
  for (const s of steps)
    if (s.passed) max = s.editors
    else break
  return max
}

function describeStep(step: S2Step): string {
  const l = step.latency
  return `N=${step.editors}: p50/p95/p99 ${l.p50.toFixed(1)}/${l.p95.toFixed(1)}/${l.p99.toFixed(1)} ms, ${step.bytesPerEdit.toFixed(0)} B/edit, converged ${step.converged}`
}

async function runContender(
  c: S2Contender,
  options: S2Options,
  steps: S2Step[],
  log: (s: string) => void,
): Promise<void> {
  const server = await serverFor(c, options)
  const gens: Generator[] = []
  try {
    for (let i = 0; i < options.generators; i++)
      gens.push(startGenerator('e2e/bench/gen/s2-gen.ts'))
    // A step that breaks is run once more (a fresh document) before the sweep stops, as in S1.
    for (const n of options.steps) {
      let step = await runStep(c, options, server, gens, n)
      if (!step.passed) {
        log(`  ${describeStep(step)} (retrying)`)
        step = { ...(await runStep(c, options, server, gens, n)), attempts: 2 }
      }
      steps.push(step)
      log(`  ${describeStep(step)}${step.passed ? '' : ' (break)'}`)
      if (!step.passed) break
    }
  } finally {
    await Promise.all(gens.map((g) => g.stop()))
    await stopChild(
      server,
      options.tandem.cpuProfDir || options.tandem.nodeFlags ? 'SIGTERM' : 'SIGKILL',
    )
  }
}

async function runStep(
  c: S2Contender,
  options: S2Options,
  server: ServerChild,
  gens: Generator[],
  n: number,
): Promise<S2Step> {
  const url = urlFor(c, server.port)
  const doc = `s2-${c.kind}-n${n}-${Date.now().toString(36)}`
  const seed = seedText(options.seedBytes)
  await gens[0]?.call('seed', { kind: c.kind, url, doc, text: seed }, 60_000)
  const indices = Array.from({ length: n }, (_, i) => i)
  const slices = split(indices, gens.length)
  const active = gens.slice(0, slices.length)
  await callAll(
    active,
    'setup',
    (i) =>
      ({
        kind: c.kind,
        url,
        editors: (slices[i] ?? []).map((e) => [e, doc]),
        syncTimeoutMs: 30_000,
      }) satisfies S2Setup,
    90_000,
  )
  // Setup traffic (the seed download) is not part of the per-edit cost: count from here.
  const before = await callAll<S2Report>(active, 'report', () => null, 10_000)
  const cpu0 = await cpuSeconds(server)
  const genCpu0 = await Promise.all(active.map((g) => cpuSeconds(g)))
  const t0 = Date.now()
  const typed = await callAll<{ edits: number }>(
    active,
    'type',
    () => ({ editsPerSec: options.editsPerSec, durationMs: options.stepMs }),
    options.stepMs + 30_000,
  )
  let fingerprints: string[] = []
  const converged = await waitFor(
    async () => {
      const all = await callAll<{ fingerprints: [string, string][] }>(
        active,
        'settle',
        () => null,
        30_000,
      )
      fingerprints = all.flatMap((a) => a.fingerprints.map(([, f]) => f))
      return new Set(fingerprints).size === 1
    },
    options.settleMs,
    100,
  )
  const wallS = (Date.now() - t0) / 1000
  const cpu1 = await cpuSeconds(server)
  const genCpu1 = await Promise.all(active.map((g) => cpuSeconds(g)))
  const reports = await callAll<S2Report>(active, 'report', () => null, 30_000)
  await callAll(active, 'teardown', () => null, 10_000)
  const edits = typed.reduce((a, t) => a + t.edits, 0)
  const { latency, unseen } = editToAllPeers(reports, n - 1)
  const deliveries = edits * (n - 1)
  const serverCpu = cpu1 - cpu0
  const syncs = reports.reduce((a, r) => a + r.syncs, 0) - before.reduce((a, r) => a + r.syncs, 0)
  const bytes = reports.reduce((a, r) => a + r.bytes, 0) - before.reduce((a, r) => a + r.bytes, 0)
  const isConverged = converged && unseen === 0
  return {
    editors: n,
    edits,
    latency,
    unseen,
    converged: isConverged,
    bytesPerEdit: edits ? bytes / edits : 0,
    serverCpuMsPer1kDeliveries: deliveries ? (serverCpu * 1e6) / deliveries : 0,
    syncs,
    serverCpuUsPerSync: syncs ? (serverCpu * 1e6) / syncs : 0,
    serverCpuShare: serverCpu / wallS,
    generatorCpuShare: genCpu1.reduce((a, v, i) => a + v - (genCpu0[i] ?? 0), 0) / wallS,
    attempts: 1,
    passed: isConverged && latency.p95 <= options.p95LimitMs && latency.count > 0,
  }
}

/** Edit → all-peers latency: for each edit, the last peer's arrival time minus its creation. */
export function editToAllPeers(
  reports: S2Report[],
  peers: number,
): { latency: LatencySummary; unseen: number } {
  const created = new Map<string, number>()
  for (const r of reports) for (const [id, t] of r.created) created.set(id, t)
  const seen = new Map<string, { count: number; lastMs: number }>()
  for (const r of reports) {
    for (const [id, count, lastMs] of r.seen) {
      const s = seen.get(id)
      if (s) {
        s.count += count
        s.lastMs = Math.max(s.lastMs, lastMs)
      } else seen.set(id, { count, lastMs })
    }
  }
  const h = createHistogram()
  let unseen = 0
  for (const [id, t] of created) {
    const s = seen.get(id)
    if (!s || s.count < peers) {
      unseen++
      continue
    }
    recordMs(h, s.lastMs - t)
  }
  return { latency: summarize(h), unseen }
}
