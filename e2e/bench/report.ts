// Renders a benchmark run as Markdown: the machine, the ratio table (> 1 means Tandem is
// better, as BENCHMARKS.md writes them), then each scenario's detail and the floors.
import os from 'node:os'
import type { DmpFloor, RoundTripFloor, SqliteFloor } from './floors.ts'
import { pinningNote } from './lib/procs.ts'
import type { S1Options, S1Result } from './s1-fanout.ts'
import type { S2Result } from './s2-hotdoc.ts'
import type { S5Result } from './s5-storm.ts'

/** Everything a run produced; a missing part was not run (or failed before producing data). */
export interface RunResults {
  mode: 'quick' | 'full'
  startedAt: Date
  elapsedS: number
  roundTrip?: RoundTripFloor
  dmp?: DmpFloor[]
  sqlite?: SqliteFloor[]
  s1: { options: S1Options; results: S1Result[] }[]
  s2?: S2Result[]
  s5?: S5Result[]
  errors: string[]
  /** 1-minute load average at the start and end: other work on the machine skews results. */
  loadAverage: [number, number]
}

/** One row of the ratio table. */
export interface RatioRow {
  name: string
  ratio: number | null
  target: string
  isMet: boolean | null
  detail: string
}

/** A one-line description of this machine. */
export function machineLine(): string {
  const cpus = os.cpus()
  const model = cpus[0]?.model.trim() ?? 'unknown CPU'
  const memGb = (os.totalmem() / 2 ** 30).toFixed(1)
  return `${model}, ${cpus.length} cores, ${memGb} GiB RAM, ${os.type()} ${os.release()}, Node ${process.version}; ${pinningNote()}`
}

const f = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
const ratioText = (r: number | null): string =>
  r === null || !Number.isFinite(r) ? 'n/a' : `${r.toFixed(2)}×`
const div = (a: number | null | undefined, b: number | null | undefined): number | null =>
  a && b ? a / b : null

function s1Find(results: S1Result[], server: string, transport: string): S1Result | undefined {
  return results.find(
    (r) => r.contender.server === server && r.contender.transport === transport && !r.error,
  )
}

function s1Rows(options: S1Options, results: S1Result[]): RatioRow[] {
  const tag = `S1 (${options.clients} clients, ${(options.clients * options.roomsPerClient) / options.rooms}/room)`
  const tws = s1Find(results, 'tandem', 'websocket')
  const tlp = s1Find(results, 'tandem', 'long-polling')
  const fws = s1Find(results, 'faye', 'websocket')
  const flp = s1Find(results, 'faye', 'long-polling')
  const clp = s1Find(results, 'cometd', 'long-polling')
  const raw = s1Find(results, 'raw-ws', 'raw')
  const row = (
    name: string,
    ours: S1Result | undefined,
    peer: S1Result | undefined,
    min: number,
  ): RatioRow => {
    const ratio = div(ours?.maxDeliveriesPerSec, peer?.maxDeliveriesPerSec)
    return {
      name: `${tag} ${name}`,
      ratio,
      target: `≥ ${min.toFixed(2)}`,
      isMet: ratio === null ? null : ratio >= min,
      detail: `${f(ours?.maxDeliveriesPerSec ?? 0)} vs ${f(peer?.maxDeliveriesPerSec ?? 0)} deliveries/s at p99 ≤ ${options.p99LimitMs} ms`,
    }
  }
  const p99 = (name: string, ours: S1Result | undefined, peer: S1Result | undefined): RatioRow => {
    const ratio = div(peer?.fixed?.latency.p99, ours?.fixed?.latency.p99)
    return {
      name: `${tag} ${name}`,
      ratio,
      target: 'report',
      isMet: null,
      detail: `p99 ${f(peer?.fixed?.latency.p99 ?? 0, 1)} vs ${f(ours?.fixed?.latency.p99 ?? 0, 1)} ms (peer vs Tandem) at ${f(options.fixedMsgsPerSec)} msg/s`,
    }
  }
  const lost = [tws, tlp].reduce((a, r) => a + (r?.lost ?? 0), 0)
  return [
    row('R1 Tandem-WS ÷ Faye-WS', tws, fws, 1),
    row('R1 Tandem-LP ÷ cometd-nodejs-server LP', tlp, clp, 1),
    row('R1 Tandem-LP ÷ Faye-LP', tlp, flp, 1),
    row('Tandem-WS ÷ raw ws (protocol efficiency)', tws, raw, 0.5),
    p99('p99 at fixed load, Faye-WS ÷ Tandem-WS', tws, fws),
    p99('p99 at fixed load, cometd LP ÷ Tandem-LP', tlp, clp),
    {
      name: `${tag} Tandem messages lost`,
      ratio: null,
      target: '0',
      isMet: tws || tlp ? lost === 0 : null,
      detail: `${lost} of ${f((tws?.expected ?? 0) + (tlp?.expected ?? 0))} expected deliveries`,
    },
  ]
}

function boundNote(ours: S2Result | undefined, peer: S2Result): string {
  const notes = [
    ...(peer.isGeneratorBound
      ? [`${peer.contender.kind}'s limit was the generator core (a lower bound)`]
      : []),
    ...(ours?.isGeneratorBound ? ["Tandem's limit was the generator core"] : []),
  ]
  return notes.length ? `; ${notes.join('; ')}` : ''
}

function s2Rows(s2: S2Result[], dmp: DmpFloor[] | undefined): RatioRow[] {
  const ours = s2.find((r) => r.contender.kind === 'tandem')
  const rows: RatioRow[] = []
  for (const peer of s2.filter((r) => r.contender.kind !== 'tandem')) {
    const ratio = ours && peer.maxEditors ? ours.maxEditors / peer.maxEditors : null
    rows.push({
      name: `S2 R2 max N, Tandem ÷ ${peer.contender.name}`,
      ratio,
      target: '≥ 0.50',
      isMet: ratio === null ? null : ratio >= 0.5,
      detail: `${ours?.maxEditors ?? 0} vs ${peer.maxEditors} editors at p95 ≤ 250 ms${boundNote(ours, peer)}`,
    })
    // Per-edit costs compare at the largest N both passed.
    const common = [...(ours?.steps ?? [])]
      .reverse()
      .find((s) => s.passed && peer.steps.some((p) => p.editors === s.editors && p.passed))
    const theirs = peer.steps.find((p) => p.editors === common?.editors)
    rows.push({
      name: `S2 wire bytes per edit, ${peer.contender.kind} ÷ Tandem`,
      ratio: div(theirs?.bytesPerEdit, common?.bytesPerEdit),
      target: 'report',
      isMet: null,
      detail: `at N=${common?.editors ?? '-'}: ${f(theirs?.bytesPerEdit ?? 0)} vs ${f(common?.bytesPerEdit ?? 0)} B`,
    })
    rows.push({
      name: `S2 server CPU per 1k deliveries, ${peer.contender.kind} ÷ Tandem`,
      ratio: div(theirs?.serverCpuMsPer1kDeliveries, common?.serverCpuMsPer1kDeliveries),
      target: 'report',
      isMet: null,
      detail: `at N=${common?.editors ?? '-'}: ${f(theirs?.serverCpuMsPer1kDeliveries ?? 0, 1)} vs ${f(common?.serverCpuMsPer1kDeliveries ?? 0, 1)} ms`,
    })
  }
  const first = ours?.steps[0]
  const floor = dmp?.find((d) => d.edits === 1 && d.kb === 10) ?? dmp?.[0]
  if (first && floor) {
    const ratio = div(floor.syncMs * 1000, first.serverCpuUsPerSync)
    rows.push({
      name: 'S2 Tandem server CPU per sync vs the dmp floor (floor ÷ ours)',
      ratio,
      target: '≥ 0.50',
      isMet: ratio === null ? null : ratio >= 0.5,
      detail: `${f(first.serverCpuUsPerSync)} µs per sync at N=${first.editors} vs ${f(floor.syncMs * 1000, 1)} µs floor (${floor.edits} edit, ${floor.kb} KB)`,
    })
  }
  const converged = ours
    ? ours.steps.every((s) => s.converged || !s.passed) && ours.steps.some((s) => s.converged)
    : null
  rows.push({
    name: 'S2 Tandem final texts identical',
    ratio: null,
    target: 'yes',
    isMet: converged,
    detail: ours
      ? ours.steps.map((s) => `N=${s.editors}: ${s.converged ? 'yes' : 'no'}`).join(', ')
      : 'not run',
  })
  return rows
}

function s5Rows(s5: S5Result[]): RatioRow[] {
  const ours = s5.find((r) => r.kind === 'tandem')
  const peer = s5.find((r) => r.kind === 'y-websocket')
  const ratio = div(peer?.resync99Ms, ours?.resync99Ms)
  return [
    {
      name: 'S5 R5a time to 99% resynced, y-websocket ÷ Tandem',
      ratio,
      target: '≥ 1.00',
      isMet: ratio === null ? null : ratio >= 1,
      detail: `${f(peer?.resync99Ms ?? 0)} vs ${f(ours?.resync99Ms ?? 0)} ms after SIGKILL`,
    },
    {
      name: 'S5 R5b Tandem acknowledged edits lost',
      ratio: null,
      target: '0',
      isMet: ours && !ours.error ? ours.lost === 0 && ours.converged : null,
      detail: ours
        ? `${ours.lost} of ${ours.acked} acknowledged; ${ours.recovered} unacknowledged recovered; converged ${ours.converged}`
        : 'not run',
    },
  ]
}

/** The ratio rows of a run, in the order of the summary table. */
export function ratioRows(run: RunResults): RatioRow[] {
  return [
    ...run.s1.flatMap((s) => s1Rows(s.options, s.results)),
    ...(run.s2 ? s2Rows(run.s2, run.dmp) : []),
    ...(run.s5 ? s5Rows(run.s5) : []),
  ]
}

/** The summary table alone (for the README). */
export function renderRatioTable(rows: RatioRow[]): string {
  const lines = ['| Measure | Ratio | Target | Met | Detail |', '|---|---|---|---|---|']
  for (const r of rows)
    lines.push(
      `| ${r.name} | ${ratioText(r.ratio)} | ${r.target} | ${r.isMet === null ? '–' : r.isMet ? 'yes' : '**no**'} | ${r.detail} |`,
    )
  return lines.join('\n')
}

function renderS1(options: S1Options, results: S1Result[]): string {
  const lines = [
    `### S1: ${options.clients} clients, ${options.rooms} rooms, ${options.roomsPerClient} rooms per client, batches of ${options.batchSize} × 50 B`,
    '',
    `| Contender | max deliveries/s (p99 ≤ ${options.p99LimitMs} ms) | fixed ${options.fixedMsgsPerSec} msg/s: p50 / p99 ms | lost / expected | server CPU ms per 1k deliveries | bytes per delivery | requests or frames sent per delivery | steps (offered msg/s → p99 ms) |`,
    '|---|---|---|---|---|---|---|---|',
  ]
  for (const r of results) {
    if (r.error) {
      lines.push(`| ${r.contender.name} | failed: ${r.error.replace(/\|/g, '/')} | | | | | | |`)
      continue
    }
    const steps = r.steps
      .map((s) => `${f(s.offeredMsgsPerSec)}→${f(s.latency.p99, 1)}${s.passed ? '' : '✗'}`)
      .join(', ')
    lines.push(
      `| ${r.contender.name} | ${f(r.maxDeliveriesPerSec)} | ${f(r.fixed?.latency.p50 ?? 0, 2)} / ${f(r.fixed?.latency.p99 ?? 0, 2)} | ${r.lost} / ${f(r.expected)} | ${f(r.serverCpuMsPer1kDeliveries, 1)} | ${f(r.bytesPerDelivery)} | ${f(r.requestsPerDelivery, 3)} | ${steps} |`,
    )
  }
  return lines.join('\n')
}

function renderS2(s2: S2Result[]): string {
  const lines = [
    '### S2: one hot document, N editors × 5 edits/s',
    '',
    '| Contender | N | edits | edit → all peers p50 / p95 / p99 ms | unseen | converged | bytes/edit | server CPU ms per 1k deliveries | syncs | server µs per sync | server / generator CPU share |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ]
  for (const r of s2) {
    if (r.error)
      lines.push(
        `| ${r.contender.name} | failed: ${r.error.replace(/\|/g, '/')} | | | | | | | | | |`,
      )
    for (const s of r.steps) {
      const l = s.latency
      lines.push(
        `| ${r.contender.name} | ${s.editors} | ${s.edits} | ${f(l.p50, 1)} / ${f(l.p95, 1)} / ${f(l.p99, 1)} | ${s.unseen} | ${s.converged ? 'yes' : '**no**'} | ${f(s.bytesPerEdit)} | ${f(s.serverCpuMsPer1kDeliveries, 1)} | ${s.syncs || '–'} | ${s.syncs ? f(s.serverCpuUsPerSync) : '–'} | ${f(s.serverCpuShare * 100)}% / ${f(s.generatorCpuShare * 100)}% |`,
      )
    }
  }
  return lines.join('\n')
}

function renderS5(s5: S5Result[]): string {
  const lines = [
    '### S5: crash (SIGKILL) and reconnect storm',
    '',
    '| Contender | 99% resynced after (ms) | resynced | edits | acknowledged | lost | unacknowledged recovered | converged | peak server RSS MB |',
    '|---|---|---|---|---|---|---|---|---|',
  ]
  for (const r of s5) {
    if (r.error) lines.push(`| ${r.name} | failed: ${r.error.replace(/\|/g, '/')} | | | | | | | |`)
    else
      lines.push(
        `| ${r.name} | ${r.resync99Ms === null ? 'never' : f(r.resync99Ms)} | ${f(r.resyncedShare * 100, 1)}% | ${r.edits} | ${r.acked} | ${r.lost} | ${r.kind === 'tandem' ? r.recovered : '–'} | ${r.converged ? 'yes' : '**no**'} | ${f(r.peakRssMb)} |`,
      )
  }
  return lines.join('\n')
}

function renderFloors(run: RunResults): string {
  const out = ['### Floors (same run)', '']
  if (run.roundTrip)
    out.push(
      `Raw ws, 1 connection, 1 × 64 B in flight: ${f(run.roundTrip.roundTripsPerSec)} round trips/s, p50 ${f(run.roundTrip.latency.p50, 3)} ms, p99 ${f(run.roundTrip.latency.p99, 3)} ms. Raw ws fan-out: the "raw ws (floor)" rows of S1.`,
      '',
    )
  if (run.dmp?.length) {
    out.push(
      '| diff-match-patch 1.0.5 | diff_main + cleanupEfficiency (ms) | one server sync step (ms) | delta bytes |',
      '|---|---|---|---|',
    )
    for (const d of run.dmp)
      out.push(
        `| ${d.edits} edit(s) on ${d.kb} KB | ${f(d.diffMs, 3)} | ${f(d.syncMs, 3)} | ${f(d.deltaBytes)} |`,
      )
    out.push(
      '',
      'One server sync step = fromDelta on the shadow, patch_make + patch_apply onto the text, diff back + toDelta (Diff_Timeout 0.1 s).',
      '',
    )
  }
  if (run.sqlite?.length) {
    out.push(
      '| SQLite upsert (better-sqlite3, WAL) | row bytes | tx/s (1 row per tx) |',
      '|---|---|---|',
    )
    for (const s of run.sqlite)
      out.push(`| synchronous=${s.synchronous} | ${f(s.rowBytes)} | ${f(s.txPerSec)} |`)
  }
  return out.join('\n')
}

/** The whole results file. */
export function renderResults(run: RunResults, analysis: string): string {
  const parts = [
    `# Tandem benchmark results (${run.mode})`,
    '',
    `Run ${run.startedAt.toISOString()} in ${f(run.elapsedS)} s on: ${machineLine()}; load average ${run.loadAverage.map((l) => l.toFixed(2)).join(' → ')}.`,
    'Generated by `npm run bench` (e2e/bench/run.ts). Every number comes from this one run on this one machine; ratios are written so that **> 1 means Tandem is better**.',
    '',
    '## Ratios',
    '',
    renderRatioTable(ratioRows(run)),
    '',
    ...(run.errors.length ? ['## Errors', '', ...run.errors.map((e) => `- ${e}`), ''] : []),
    '## Details',
    '',
    ...run.s1.map((s) => renderS1(s.options, s.results) + '\n'),
    ...(run.s2 ? [renderS2(run.s2), ''] : []),
    ...(run.s5 ? [renderS5(run.s5), ''] : []),
    renderFloors(run),
    '',
    analysis.trim(),
    '',
  ]
  return parts.join('\n')
}
