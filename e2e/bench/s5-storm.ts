// S5, crash and reconnect storm (BENCHMARKS.md S5): C clients on D documents typing; the server
// is SIGKILLed mid-stream and restarted at once on the same port and the same storage. Measures
// the time until 99% of clients are resynced, and edits lost: Tandem's acknowledged edits
// (answered before or after the crash) missing from the final text must be 0.
import { join } from 'node:path'
import type { EditorKind, S2Report, S2Setup } from './gen/s2-gen.ts'
import { compiledServer } from './lib/compile.ts'
import { nowMs } from './lib/hist.ts'
import { callAll, runEach, startGenerator, type Generator } from './lib/ipc.ts'
import { cpuSeconds, rssBytes, startServer, stopChild, type ServerChild } from './lib/procs.ts'
import { delay, split, waitFor } from './lib/rng.ts'
import { tokenPattern } from './lib/tokens.ts'
import { freshDbPath, scratchDir, startTandem, type TandemOptions } from './tandem.ts'

/** Sizes and pacing of one S5 run. */
export interface S5Options {
  clients: number
  documents: number
  generators: number
  editsPerSec: number
  /** Typing time before the kill, and after it. */
  beforeKillMs: number
  afterKillMs: number
  resyncTimeoutMs: number
  settleMs: number
  /** False for a control run: same load, no kill. */
  kill: boolean
  /** How Tandem starts (`cpuProfDir`: profile the restarted server, stopped with SIGTERM). */
  tandem?: Pick<TandemOptions, 'cpuProfDir'>
}

/** One contender's S5 outcome. */
export interface S5Result {
  name: string
  kind: EditorKind
  /** Milliseconds from the kill until 99% of clients were in sync again (null: never). */
  resync99Ms: number | null
  resyncedShare: number
  edits: number
  /** Tandem: acknowledged edits; y-websocket has no acknowledgements (all edits count). */
  acked: number
  /** Acknowledged (Tandem) or any (y-websocket) edits missing from the settled text. */
  lost: number
  /** Edits typed and never acknowledged before the end that still made it into the text. */
  recovered: number
  converged: boolean
  peakRssMb: number
  /** Milliseconds from the kill until the restarted server listened. */
  restartMs: number
  /** Up to 20 ids of lost edits, to trace them. */
  lostIds: string[]
  error?: string
}

/** One S5 contender. */
export interface S5Contender {
  name: string
  kind: EditorKind
}

/** The S5 contenders. */
export const s5Contenders: S5Contender[] = [
  { name: 'Tandem (SQLite, synchronous=NORMAL)', kind: 'tandem' },
  { name: 'y-websocket 2.1.0 + LevelDB (YPERSISTENCE)', kind: 'y-websocket' },
]

// Both servers run precompiled under plain node (no tsx), so restarts compare servers.
async function startFor(
  kind: EditorKind,
  port: number,
  storage: string,
  tandem: TandemOptions = {},
): Promise<ServerChild> {
  if (kind === 'tandem') return startTandem({ ...tandem, port, dbPath: storage })
  return startServer(await compiledServer('e2e/bench/servers/y-websocket.ts'), {
    env: { PORT: String(port), YPERSISTENCE: storage },
  })
}

/** Runs the storm against each contender. */
export function runS5(
  options: S5Options,
  contenders = s5Contenders,
  log: (s: string) => void,
): Promise<S5Result[]> {
  const run = (c: S5Contender): Promise<S5Result> => {
    log(`S5: ${c.name}, ${options.clients} clients on ${options.documents} documents`)
    return runContender(c, options, log)
  }
  const failed = (c: S5Contender, error: string): S5Result => ({
    ...c,
    resync99Ms: null,
    resyncedShare: 0,
    edits: 0,
    acked: 0,
    lost: 0,
    recovered: 0,
    converged: false,
    peakRssMb: 0,
    restartMs: 0,
    lostIds: [],
    error,
  })
  return runEach(contenders, run, failed, log)
}

async function runContender(
  c: S5Contender,
  options: S5Options,
  log: (s: string) => void,
): Promise<S5Result> {
  const storage =
    c.kind === 'tandem'
      ? freshDbPath('s5')
      : join(scratchDir(), `s5-leveldb-${process.pid}-${Date.now()}`)
  // Only the restarted server is profiled: the first one dies by SIGKILL before it could write.
  let server = await startFor(c.kind, 0, storage)
  const port = server.port
  const gens: Generator[] = []
  let peakRss = 0
  const rssTimer = setInterval(
    () =>
      void rssBytes(server.pid).then(
        (r) => (peakRss = Math.max(peakRss, r)),
        () => {},
      ),
    250,
  )
  try {
    for (let i = 0; i < options.generators; i++)
      gens.push(startGenerator('e2e/bench/gen/s2-gen.ts'))
    const url = c.kind === 'tandem' ? `http://127.0.0.1:${port}/bayeux` : `ws://127.0.0.1:${port}`
    const editors = Array.from({ length: options.clients }, (_, i): [number, string] => [
      i,
      `s5-doc${i % options.documents}`,
    ])
    const slices = split(editors, gens.length)
    await callAll(
      gens,
      'setup',
      (i) =>
        ({
          kind: c.kind,
          url,
          editors: slices[i] ?? [],
          reconnect: true,
          syncTimeoutMs: 60_000,
        }) satisfies S2Setup,
      180_000,
    )
    await callAll(gens, 'report', () => null, 10_000)
    const typing = callAll<{ edits: number }>(
      gens,
      'type',
      () => ({
        editsPerSec: options.editsPerSec,
        durationMs: options.beforeKillMs + options.afterKillMs,
      }),
      options.beforeKillMs + options.afterKillMs + 60_000,
    )
    // Server load while typing, and during the storm: a saturated core queues the resyncs.
    const typingCpu = await cpuSeconds(server)
    await delay(options.beforeKillMs)
    const cpuBeforeKill = (await cpuSeconds(server)) - typingCpu
    const generatorCpu = await generatorsCpu(gens)
    const killedAt = nowMs()
    if (options.kill) {
      await stopChild(server, 'SIGKILL')
      server = await startFor(c.kind, port, storage, options.tandem)
    }
    const restartMs = nowMs() - killedAt
    log(`  killed and restarted in ${restartMs.toFixed(0)} ms`)
    let share = 0
    let times: number[] = []
    await waitFor(
      async () => {
        if (!options.kill) return true
        const all = await callAll<{ times: number[]; total: number }>(
          gens,
          'resynced',
          () => ({ sinceMs: killedAt }),
          10_000,
        )
        times = all.flatMap((a) => a.times).sort((a, b) => a - b)
        share = times.length / options.clients
        return share >= 0.99
      },
      options.resyncTimeoutMs,
      100,
    )
    const t99 = times[Math.ceil(0.99 * options.clients) - 1]
    const resync99Ms = share >= 0.99 && t99 !== undefined ? t99 - killedAt : null
    log(
      `  99% resynced: ${resync99Ms === null ? `no (${(share * 100).toFixed(1)}%)` : `${resync99Ms.toFixed(0)} ms`}`,
    )
    // Where the clients came back: the reconnect slots (0.1, 0.3, 0.7, 1.5, 3.1 s, …) show here.
    const at = (q: number): string => {
      const t = times[Math.ceil(q * options.clients) - 1]
      return t === undefined ? '-' : (t - killedAt).toFixed(0)
    }
    log(`  resynced by ms after the kill: 10% ${at(0.1)}, 50% ${at(0.5)}, 90% ${at(0.9)}`)
    const stormS = (nowMs() - killedAt) / 1000
    const stormGeneratorCpu = (await generatorsCpu(gens)) - generatorCpu
    log(
      `  server CPU: ${((100 * cpuBeforeKill) / (options.beforeKillMs / 1000)).toFixed(0)}% of a core while typing before the kill, ${((100 * (await cpuSeconds(server))) / stormS).toFixed(0)}% from the kill until resynced (generators: ${((100 * stormGeneratorCpu) / stormS).toFixed(0)}% of their core)`,
    )
    const edits = (await typing).reduce((a, t) => a + t.edits, 0)
    const converged = await settleDocs(gens, options.settleMs)
    const reports = await callAll<S2Report>(gens, 'report', () => null, 30_000)
    const texts = await callAll<{ texts: [string, string][] }>(gens, 'texts', () => null, 30_000)
    const loss = countLoss(
      c.kind,
      reports,
      texts.flatMap((t) => t.texts),
    )
    log(`  edits ${edits}, acked ${loss.acked}, lost ${loss.lost}, converged ${converged}`)
    return {
      ...c,
      resync99Ms,
      resyncedShare: share,
      edits,
      ...loss,
      converged,
      restartMs,
      peakRssMb: peakRss / 1e6,
    }
  } finally {
    clearInterval(rssTimer)
    await Promise.all(gens.map((g) => g.stop()))
    await stopChild(server, options.tandem?.cpuProfDir ? 'SIGTERM' : 'SIGKILL')
  }
}

const generatorsCpu = async (gens: Generator[]): Promise<number> =>
  (await Promise.all(gens.map(cpuSeconds))).reduce((a, b) => a + b, 0)

// Every editor of a document ends with the same text (Tandem needs sync rounds to get there).
async function settleDocs(gens: Generator[], timeoutMs: number): Promise<boolean> {
  return waitFor(
    async () => {
      const all = await callAll<{ fingerprints: [string, string][] }>(
        gens,
        'settle',
        () => null,
        30_000,
      )
      const byDoc = new Map<string, Set<string>>()
      for (const [doc, f] of all.flatMap((a) => a.fingerprints)) {
        let s = byDoc.get(doc)
        if (!s) byDoc.set(doc, (s = new Set()))
        s.add(f)
      }
      return [...byDoc.values()].every((s) => s.size === 1)
    },
    timeoutMs,
    200,
  )
}

function countLoss(
  kind: EditorKind,
  reports: S2Report[],
  texts: [string, string][],
): { acked: number; lost: number; recovered: number; lostIds: string[] } {
  // A token survived if every settled copy of its document holds it.
  const copies = new Map<string, Set<string>[]>()
  for (const [doc, text] of texts) {
    const ids = new Set<string>()
    for (const m of text.matchAll(tokenPattern)) ids.add(m[1] as string)
    copies.set(doc, [...(copies.get(doc) ?? []), ids])
  }
  const present = new Set<string>()
  for (const sets of copies.values()) {
    for (const id of sets[0] ?? []) if (sets.every((s) => s.has(id))) present.add(id)
  }
  const created = reports.flatMap((r) => r.created.map(([id]) => id))
  const acked = new Set(reports.flatMap((r) => r.acked))
  const mustSurvive = kind === 'tandem' ? [...acked] : created
  const lostIds = mustSurvive.filter((id) => !present.has(id))
  const recovered = created.filter((id) => !acked.has(id) && present.has(id)).length
  const ackedCount = kind === 'tandem' ? acked.size : created.length
  return { acked: ackedCount, lost: lostIds.length, recovered, lostIds: lostIds.slice(0, 20) }
}
