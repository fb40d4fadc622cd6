// The detail tables of the results file: every step of every contender, and the floors.
import type { RunResults } from './report.ts'
import type { S1Options, S1Result } from './s1-fanout.ts'
import type { S2Result } from './s2-hotdoc.ts'
import type { S5Result } from './s5-storm.ts'

/** A number with thousands separators and `digits` decimals. */
export const f = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })

/** The S1 table of one fan-out size. */
export function renderS1(options: S1Options, results: S1Result[]): string {
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

/** The S2 table: every N of every contender. */
export function renderS2(s2: S2Result[]): string {
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

/** The S5 table. */
export function renderS5(s5: S5Result[]): string {
  const lines = [
    '### S5: crash (SIGKILL) and reconnect storm',
    '',
    '| Contender | server back after (ms) | 99% resynced after (ms) | resynced | edits | acknowledged | lost | unacknowledged recovered | converged | peak server RSS MB |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ]
  for (const r of s5) {
    if (r.error)
      lines.push(`| ${r.name} | failed: ${r.error.replace(/\|/g, '/')} | | | | | | | | |`)
    else
      lines.push(
        `| ${r.name} | ${f(r.restartMs)} | ${r.resync99Ms === null ? 'never' : f(r.resync99Ms)} | ${f(r.resyncedShare * 100, 1)}% | ${r.edits} | ${r.acked} | ${r.lost} | ${r.kind === 'tandem' ? r.recovered : '–'} | ${r.converged ? 'yes' : '**no**'} | ${f(r.peakRssMb)} |`,
      )
  }
  const lost = s5.filter((r) => r.lostIds.length)
  for (const r of lost)
    lines.push('', `Lost edits (${r.name}, editor.seq in base 36): ${r.lostIds.join(' ')}`)
  return lines.join('\n')
}

/** The floors measured in the same run. */
export function renderFloors(run: RunResults): string {
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
