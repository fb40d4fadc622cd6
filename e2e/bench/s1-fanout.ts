// S1, Bayeux chat fan-out (BENCHMARKS.md S1, the CometD benchmark of bayeux-notes §6): C clients,
// R rooms, K rooms per client, batches of 10 × 50 B to random rooms. The offered load steps up
// until p99 > 50 ms; the best passing step gives "max deliveries/s at p99 ≤ 50 ms".
import type { S1Counts, S1Setup } from './gen/s1-gen.ts'
import { mergeHistograms, summarize, type LatencySummary } from './lib/hist.ts'
import { callAll, runEach, startGenerator, type Generator } from './lib/ipc.ts'
import { cpuSeconds, startServer, stopChild, type ServerChild } from './lib/procs.ts'
import { createRng, pickDistinct, split, waitFor } from './lib/rng.ts'
import { startTandem, type TandemOptions } from './tandem.ts'

/** One server + transport pair in S1. */
export interface S1Contender {
  name: string
  /** A file under e2e/bench/servers, or 'tandem'. */
  server: string
  transport: S1Setup['transport']
  path: string
}

/** The S1 contenders, floor first. */
export const s1Contenders: S1Contender[] = [
  { name: 'raw ws (floor)', server: 'raw-ws', transport: 'raw', path: '/' },
  { name: 'Tandem, websocket', server: 'tandem', transport: 'websocket', path: '/bayeux' },
  { name: 'Faye 1.4.3, websocket', server: 'faye', transport: 'websocket', path: '/bayeux' },
  { name: 'Tandem, long-polling', server: 'tandem', transport: 'long-polling', path: '/bayeux' },
  { name: 'Faye 1.4.3, long-polling', server: 'faye', transport: 'long-polling', path: '/bayeux' },
  {
    name: 'cometd-nodejs-server 1.2.1, long-polling',
    server: 'cometd',
    transport: 'long-polling',
    path: '/bayeux',
  },
]

/** Sizes and pacing of one S1 run. */
export interface S1Options {
  clients: number
  rooms: number
  roomsPerClient: number
  generators: number
  batchSize: number
  /** Publishes/s of the fixed-load measurement. */
  fixedMsgsPerSec: number
  /** Offered publishes/s of the first ramp step; each next step multiplies it by `rampFactor`. */
  startMsgsPerSec: number
  rampFactor: number
  maxSteps: number
  stepMs: number
  drainMs: number
  p99LimitMs: number
  tandem: TandemOptions
}

/** One load step's outcome. */
export interface S1Step {
  offeredMsgsPerSec: number
  deliveriesPerSec: number
  latency: LatencySummary
  missing: number
  serverCpuSeconds: number
  delivered: number
  passed: boolean
}

/** One contender's S1 outcome. */
export interface S1Result {
  contender: S1Contender
  fixed: S1Step | null
  steps: S1Step[]
  /** Best deliveries/s of a step with p99 ≤ limit and nothing missing; 0 if none passed. */
  maxDeliveriesPerSec: number
  lost: number
  expected: number
  serverCpuMsPer1kDeliveries: number
  bytesPerDelivery: number
  /** Frames (websocket) or HTTP requests (long-polling) the clients sent per delivery. */
  requestsPerDelivery: number
  error?: string
}

/** Assigns rooms: client i joins K distinct random rooms of R (seeded, same for everyone). */
export function layoutRooms(options: S1Options): {
  rooms: string[][]
  roomSizes: Record<string, number>
} {
  const rng = createRng(42)
  const roomSizes: Record<string, number> = {}
  const rooms: string[][] = []
  for (let i = 0; i < options.clients; i++) {
    const mine = pickDistinct(rng, options.rooms, options.roomsPerClient).map(
      (r) => `/chat/room${r}`,
    )
    for (const c of mine) roomSizes[c] = (roomSizes[c] ?? 0) + 1
    rooms.push(mine)
  }
  return { rooms, roomSizes }
}

async function startContenderServer(c: S1Contender, options: S1Options): Promise<ServerChild> {
  if (c.server === 'tandem') return startTandem(options.tandem)
  return startServer(`e2e/bench/servers/${c.server}.ts`)
}

/** Runs every contender in turn (servers and generators restarted for each) and returns results. */
export function runS1(
  options: S1Options,
  contenders = s1Contenders,
  log: (s: string) => void,
): Promise<S1Result[]> {
  const failed = (contender: S1Contender, error: string): S1Result => ({
    contender,
    fixed: null,
    steps: [],
    maxDeliveriesPerSec: 0,
    lost: 0,
    expected: 0,
    serverCpuMsPer1kDeliveries: 0,
    bytesPerDelivery: 0,
    requestsPerDelivery: 0,
    error,
  })
  const run = (c: S1Contender): Promise<S1Result> => {
    log(`S1 ${options.clients} clients: ${c.name}`)
    return runContender(c, options, log)
  }
  return runEach(contenders, run, failed, log)
}

const recoveryMs = 15_000

// Steps the offered load up until p99 breaks the limit. A step that breaks is run once more
// before the ramp stops: on a shared 2-core machine one scheduling hiccup can push a p99 over
// the limit (Etherpad's sweep retries the same way).
async function ramp(
  run: (msgsPerSec: number) => Promise<S1Step>,
  options: S1Options,
  log: (s: string) => void,
): Promise<S1Step[]> {
  const steps: S1Step[] = []
  let rate = options.startMsgsPerSec
  for (let i = 0; i < options.maxSteps; i++, rate *= options.rampFactor) {
    let s = await run(Math.round(rate))
    if (!s.passed) {
      steps.push(s)
      log(`  ${describeStep(s)} (retrying)`)
      s = await run(Math.round(rate))
    }
    steps.push(s)
    log(`  ${describeStep(s)}${s.passed ? '' : ' (break)'}`)
    if (!s.passed) break
  }
  return steps
}

async function runContender(
  c: S1Contender,
  options: S1Options,
  log: (s: string) => void,
): Promise<S1Result> {
  const server = await startContenderServer(c, options)
  const gens: Generator[] = []
  try {
    for (let i = 0; i < options.generators; i++)
      gens.push(startGenerator('e2e/bench/gen/s1-gen.ts'))
    const { rooms, roomSizes } = layoutRooms(options)
    const slices = split(rooms, gens.length)
    const url = `http://127.0.0.1:${server.port}${c.path}`
    await callAll(
      gens,
      'setup',
      (i) => ({ url, transport: c.transport, rooms: slices[i] ?? [], roomSizes }) satisfies S1Setup,
      120_000,
    )
    let step = 0
    const run = (msgsPerSec: number): Promise<S1Step> =>
      runStep(gens, server, options, ++step, msgsPerSec)
    await run(options.startMsgsPerSec / 2)
    const steps = await ramp(run, options, log)
    // The fixed load comes last, after a full drain: at an overload rate its backlog would
    // otherwise spill into the steps that follow it.
    await settle(gens, recoveryMs)
    const fixed = await run(options.fixedMsgsPerSec)
    log(`  fixed ${options.fixedMsgsPerSec} msg/s: p99 ${fixed.latency.p99.toFixed(2)} ms`)
    const final = await settle(gens, recoveryMs)
    const passing = [...steps, fixed].filter((s) => s.passed)
    // CPU per delivery over the steps that kept up (overload changes how servers batch).
    const basis = passing.length ? passing : steps
    const cpu = basis.reduce((a, s) => a + s.serverCpuSeconds, 0)
    const delivered = basis.reduce((a, s) => a + s.delivered, 0)
    return {
      contender: c,
      fixed,
      steps,
      maxDeliveriesPerSec: Math.max(0, ...passing.map((s) => s.deliveriesPerSec)),
      lost: final.expected - final.received,
      expected: final.expected,
      serverCpuMsPer1kDeliveries: delivered ? (cpu * 1e6) / delivered : 0,
      bytesPerDelivery: final.received ? final.bytes / final.received : 0,
      requestsPerDelivery: final.received ? final.requests / final.received : 0,
    }
  } finally {
    await Promise.all(gens.map((g) => g.call('teardown', null, 5_000).catch(() => null)))
    await Promise.all(gens.map((g) => g.stop()))
    await stopChild(
      server,
      options.tandem.cpuProfDir || options.tandem.nodeFlags ? 'SIGTERM' : 'SIGKILL',
    )
  }
}

function describeStep(s: S1Step): string {
  return `${s.offeredMsgsPerSec} msg/s → ${Math.round(s.deliveriesPerSec)} deliveries/s, p99 ${s.latency.p99.toFixed(2)} ms`
}

async function totals(gens: Generator[]): Promise<S1Counts> {
  const all = await callAll<S1Counts>(gens, 'counts', () => null, 10_000)
  return all.reduce((a, c) => ({
    sent: a.sent + c.sent,
    expected: a.expected + c.expected,
    received: a.received + c.received,
    bytes: a.bytes + c.bytes,
    requests: a.requests + c.requests,
  }))
}

async function settle(gens: Generator[], timeoutMs: number): Promise<S1Counts> {
  let last = await totals(gens)
  await waitFor(async () => (last = await totals(gens)).received >= last.expected, timeoutMs, 50)
  return last
}

async function runStep(
  gens: Generator[],
  server: ServerChild,
  options: S1Options,
  step: number,
  msgsPerSec: number,
): Promise<S1Step> {
  const before = await totals(gens)
  const cpu0 = await cpuSeconds(server)
  const t0 = Date.now()
  const perGen = msgsPerSec / gens.length
  await callAll(
    gens,
    'publish',
    () => ({ step, msgsPerSec: perGen, durationMs: options.stepMs, batchSize: options.batchSize }),
    options.stepMs + 30_000,
  )
  const after = await settle(gens, options.drainMs)
  const elapsedS = (Date.now() - t0) / 1000
  const cpu1 = await cpuSeconds(server)
  const hists = await callAll<{ histogram: string }>(gens, 'collect', () => ({ step }), 10_000)
  const latency = summarize(mergeHistograms(hists.map((h) => h.histogram)))
  const missing = after.expected - after.received
  const delivered = after.received - before.received
  // Deliveries/s over the publishing window plus whatever drain it needed.
  const deliveriesPerSec = delivered / Math.max(options.stepMs / 1000, elapsedS)
  return {
    offeredMsgsPerSec: msgsPerSec,
    deliveriesPerSec,
    latency,
    missing,
    serverCpuSeconds: cpu1 - cpu0,
    delivered,
    passed: latency.p99 <= options.p99LimitMs && missing === 0 && latency.count > 0,
  }
}
