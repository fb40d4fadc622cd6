// The two benchmark modes: `full` (npm run bench, < 15 min on 2 cores, writes results.md) and
// `quick` (npm run bench:quick, CI: every scenario at tiny sizes, correctness only).
import type { S1Options } from './s1-fanout.ts'
import type { S2Options } from './s2-hotdoc.ts'
import type { S5Options } from './s5-storm.ts'

/** Everything one mode runs. */
export interface BenchConfig {
  mode: 'quick' | 'full'
  /** Hard limit for the whole run; every child is killed when it passes. */
  budgetMs: number
  floors: {
    roundTripMs: number
    dmpSizesKb: number[]
    dmpEdits: number[]
    dmpMinMs: number
    sqliteRowBytes: number[]
    sqliteMs: number
  }
  s1: S1Options[]
  s2: S2Options
  s5: S5Options
}

const s1Common = { batchSize: 10, p99LimitMs: 50, tandem: {} }

/** `npm run bench`. */
export const fullConfig: BenchConfig = {
  mode: 'full',
  budgetMs: 14.5 * 60_000,
  floors: {
    roundTripMs: 2_000,
    dmpSizesKb: [10, 100],
    dmpEdits: [1, 10, 100],
    dmpMinMs: 200,
    sqliteRowBytes: [200, 10_240],
    sqliteMs: 500,
  },
  s1: [
    // The CometD benchmark's room layout (bayeux-notes §6): 1,000 clients, 100 rooms, 10 per
    // client. Batches of 1: a batch of 10 to rooms of 100 is a 1,000-delivery burst that one
    // generator core cannot take in under 50 ms even from the raw ws floor.
    {
      ...s1Common,
      batchSize: 1,
      clients: 1_000,
      rooms: 100,
      roomsPerClient: 10,
      generators: 3,
      fixedMsgsPerSec: 100,
      // Starts low for the long-polling servers (one request per delivery at this fan-out). Even
      // at 10 msg/s all three miss p99 ≤ 50 ms here: the 1,000 long-polling clients in the
      // generator processes are the limit (analysis.md), so their R1 stays n/a.
      startMsgsPerSec: 10,
      rampFactor: 1.5,
      maxSteps: 16,
      stepMs: 2_000,
      drainMs: 3_000,
    },
    // A tenth of the fan-out, closer to BENCHMARKS.md's Bayeux peer table (20 per room).
    {
      ...s1Common,
      clients: 100,
      rooms: 100,
      roomsPerClient: 10,
      generators: 2,
      fixedMsgsPerSec: 1_000,
      startMsgsPerSec: 250,
      rampFactor: 1.5,
      maxSteps: 12,
      stepMs: 1_500,
      drainMs: 3_000,
    },
  ],
  s2: {
    generators: 4,
    seedBytes: 10_240,
    editsPerSec: 5,
    // Steps of 10 up to 60, coarser above, to stay inside the 15-minute budget.
    steps: [10, 20, 30, 40, 50, 60, 80, 100, 120, 150, 200],
    stepMs: 4_000,
    p95LimitMs: 250,
    settleMs: 15_000,
    tandem: {},
  },
  s5: {
    clients: 1_000,
    documents: 100,
    generators: 4,
    editsPerSec: 0.2,
    beforeKillMs: 4_000,
    afterKillMs: 6_000,
    resyncTimeoutMs: 60_000,
    kill: true,
    settleMs: 30_000,
  },
}

/** `npm run bench:quick`. */
export const quickConfig: BenchConfig = {
  mode: 'quick',
  budgetMs: 150_000,
  floors: {
    roundTripMs: 300,
    dmpSizesKb: [10],
    dmpEdits: [1, 10],
    dmpMinMs: 20,
    sqliteRowBytes: [200],
    sqliteMs: 100,
  },
  s1: [
    {
      ...s1Common,
      clients: 20,
      rooms: 10,
      roomsPerClient: 3,
      generators: 2,
      fixedMsgsPerSec: 50,
      startMsgsPerSec: 50,
      rampFactor: 2,
      maxSteps: 2,
      stepMs: 500,
      drainMs: 3_000,
    },
  ],
  s2: {
    generators: 2,
    seedBytes: 2_048,
    editsPerSec: 5,
    steps: [3, 6],
    stepMs: 1_000,
    p95LimitMs: 250,
    settleMs: 10_000,
    tandem: {},
  },
  s5: {
    clients: 40,
    documents: 8,
    generators: 2,
    editsPerSec: 1,
    beforeKillMs: 1_000,
    afterKillMs: 1_000,
    resyncTimeoutMs: 20_000,
    kill: true,
    settleMs: 20_000,
  },
}
