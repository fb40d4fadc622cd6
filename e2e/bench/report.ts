// Renders a benchmark run as Markdown: the machine, the ratio table (> 1 means Tandem is
// better, as BENCHMARKS.md writes them), then each scenario's detail and the floors.
import os from 'node:os'
import type { DmpFloor, RoundTripFloor, SqliteFloor } from './floors.ts'
import { pinningNote } from './lib/procs.ts'
import { f, renderFloors, renderS1, renderS2, renderS5 } from './report-details.ts'
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
  /** The commit measured (`git rev-parse --short HEAD`, or BENCH_COMMIT in a snapshot). */
  commit: string
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
      // Judged as displayed (two decimals), so 0.997 reads "1.00×" and passes.
      isMet: ratio === null ? null : Math.round(ratio * 100) / 100 >= min,
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
  // CPU per delivery barely moves with other load on the machine, unlike a p99: the steadier view.
  const cpu = (name: string, ours: S1Result | undefined, peer: S1Result | undefined): RatioRow => ({
    name: `${tag} ${name}`,
    ratio: div(peer?.serverCpuMsPer1kDeliveries, ours?.serverCpuMsPer1kDeliveries),
    target: 'report',
    isMet: null,
    detail: `${f(peer?.serverCpuMsPer1kDeliveries ?? 0, 1)} vs ${f(ours?.serverCpuMsPer1kDeliveries ?? 0, 1)} ms per 1k deliveries (peer vs Tandem)`,
  })
  const lost = [tws, tlp].reduce((a, r) => a + (r?.lost ?? 0), 0)
  return [
    row('R1 Tandem-WS ÷ Faye-WS', tws, fws, 1),
    row('R1 Tandem-LP ÷ cometd-nodejs-server LP', tlp, clp, 1),
    row('R1 Tandem-LP ÷ Faye-LP', tlp, flp, 1),
    row('Tandem-WS ÷ raw ws (protocol efficiency)', tws, raw, 0.5),
    p99('p99 at fixed load, Faye-WS ÷ Tandem-WS', tws, fws),
    p99('p99 at fixed load, cometd LP ÷ Tandem-LP', tlp, clp),
    cpu('server CPU per delivery, Faye-WS ÷ Tandem-WS', tws, fws),
    cpu('server CPU per delivery, cometd LP ÷ Tandem-LP', tlp, clp),
    cpu('server CPU per delivery, Faye-LP ÷ Tandem-LP', tlp, flp),
    {
      name: `${tag} Tandem messages lost`,
      ratio: null,
      target: '0',
      isMet: tws || tlp ? lost === 0 : null,
      detail: `websocket ${tws?.lost ?? '–'} of ${f(tws?.expected ?? 0)}, long-polling ${tlp?.lost ?? '–'} of ${f(tlp?.expected ?? 0)} (Faye-LP ${flp?.lost ?? '–'}, cometd LP ${clp?.lost ?? '–'}; long-polling losses come from overloaded steps)`,
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

/** The whole results file. */
export function renderResults(run: RunResults, analysis: string): string {
  const parts = [
    `# Tandem benchmark results (${run.mode})`,
    '',
    `Run ${run.startedAt.toISOString()} of commit ${run.commit} in ${f(run.elapsedS)} s on: ${machineLine()}; load average ${run.loadAverage.map((l) => l.toFixed(2)).join(' → ')}.`,
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
