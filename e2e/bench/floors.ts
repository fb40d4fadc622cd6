// Floors measured in the same run (BENCHMARKS.md "How to measure" 1): raw `ws` round trips,
// diff-match-patch cost of one sync, SQLite upsert commits. Tandem's results are read as
// ratios to these, so they compare across machines.
import { rmSync } from 'node:fs'
import Database from 'better-sqlite3'
import DiffMatchPatch from 'diff-match-patch'
import WebSocket from 'ws'
import { createHistogram, nowMs, recordMs, summarize, type LatencySummary } from './lib/hist.ts'
import { startServer, stopChild } from './lib/procs.ts'
import { createRng } from './lib/rng.ts'
import { freshDbPath } from './tandem.ts'

/** Raw ws: one connection, one 64 B message in flight. */
export interface RoundTripFloor {
  roundTripsPerSec: number
  latency: LatencySummary
}

/** diff-match-patch cost of one MobWrite-style sync of `edits` scattered edits on `kb` KB. */
export interface DmpFloor {
  kb: number
  edits: number
  /** diff_main + diff_cleanupEfficiency of the client's two texts (client side of a sync). */
  diffMs: number
  /** Server side: fromDelta on the shadow, patch_make + patch_apply onto the text, diff back. */
  syncMs: number
  deltaBytes: number
}

/** SQLite upserts into `shadow(doc, client, version, text)`, one row per transaction. */
export interface SqliteFloor {
  synchronous: 'NORMAL' | 'FULL'
  rowBytes: number
  txPerSec: number
}

/** Measures raw ws round trips against servers/raw-ws.ts (`/echo`) for `durationMs`. */
export async function measureRoundTrips(durationMs: number): Promise<RoundTripFloor> {
  const server = await startServer('e2e/bench/servers/raw-ws.ts')
  try {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}`, { perMessageDeflate: false })
    await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)))
    const payload = JSON.stringify([{ channel: '/echo', data: 'x'.repeat(40) }])
    const h = createHistogram()
    let count = 0
    const start = nowMs()
    await new Promise<void>((resolve) => {
      let sentAt = nowMs()
      ws.on('message', () => {
        const now = nowMs()
        recordMs(h, now - sentAt)
        count++
        if (now - start >= durationMs) return resolve()
        sentAt = now
        ws.send(payload)
      })
      ws.send(payload)
    })
    ws.terminate()
    return { roundTripsPerSec: count / ((nowMs() - start) / 1000), latency: summarize(h) }
  } finally {
    await stopChild(server)
  }
}

function randomText(rng: () => number, chars: number): string {
  const letters = 'etaoinshrdlucmfwypvbgkjqxz'
  let out = ''
  while (out.length < chars) {
    const n = 2 + Math.floor(rng() * 8)
    for (let i = 0; i < n; i++) out += letters[Math.floor(rng() ** 2 * letters.length)]
    out += rng() < 0.08 ? '.\n' : ' '
  }
  return out.slice(0, chars)
}

function scatterEdits(rng: () => number, text: string, edits: number): string {
  let out = text
  for (let i = 0; i < edits; i++) {
    const pos = Math.floor(rng() * out.length)
    out =
      rng() < 0.7
        ? out.slice(0, pos) + 'word ' + out.slice(pos)
        : out.slice(0, pos) + out.slice(pos + 4)
  }
  return out
}

// Repeats `fn` until `minMs` has passed (at least 3 times) and returns the mean ms per call.
function timeIt(fn: () => void, minMs: number): number {
  let runs = 0
  const start = performance.now()
  while (runs < 3 || performance.now() - start < minMs) {
    fn()
    runs++
  }
  return (performance.now() - start) / runs
}

/** Measures the diff-match-patch floor for every (size, edits) pair. */
export function measureDmp(sizesKb: number[], editCounts: number[], minMs: number): DmpFloor[] {
  const dmp = new DiffMatchPatch()
  dmp.Diff_Timeout = 0.1 // MobWrite's cap, also Tandem's (DESIGN §6)
  const rng = createRng(7)
  const out: DmpFloor[] = []
  for (const kb of sizesKb) {
    const shadow = randomText(rng, kb * 1024)
    for (const edits of editCounts) {
      const client = scatterEdits(rng, shadow, edits)
      const diffs = dmp.diff_main(shadow, client)
      dmp.diff_cleanupEfficiency(diffs)
      const delta = dmp.diff_toDelta(diffs)
      const diffMs = timeIt(() => dmp.diff_cleanupEfficiency(dmp.diff_main(shadow, client)), minMs)
      const syncMs = timeIt(() => {
        const d = dmp.diff_fromDelta(shadow, delta)
        const patches = dmp.patch_make(shadow, d)
        const [text] = dmp.patch_apply(patches, shadow)
        const back = dmp.diff_main(client, text as string)
        dmp.diff_cleanupEfficiency(back)
        dmp.diff_toDelta(back)
      }, minMs)
      out.push({ kb, edits, diffMs, syncMs, deltaBytes: Buffer.byteLength(delta) })
    }
  }
  return out
}

/** Measures SQLite upsert transactions per second (WAL) at NORMAL and FULL. */
export function measureSqlite(rowBytes: number[], durationMs: number): SqliteFloor[] {
  const out: SqliteFloor[] = []
  for (const synchronous of ['NORMAL', 'FULL'] as const) {
    for (const bytes of rowBytes) {
      const path = freshDbPath('floor')
      const db = new Database(path)
      try {
        db.pragma('journal_mode = WAL')
        db.pragma(`synchronous = ${synchronous}`)
        db.exec(
          'CREATE TABLE shadow (doc TEXT, client TEXT, version INTEGER, text TEXT, PRIMARY KEY (doc, client))',
        )
        const upsert = db.prepare(
          'INSERT INTO shadow (doc, client, version, text) VALUES (?, ?, ?, ?) ON CONFLICT (doc, client) DO UPDATE SET version = excluded.version, text = excluded.text',
        )
        const text = 'x'.repeat(bytes)
        let tx = 0
        const start = performance.now()
        while (performance.now() - start < durationMs) {
          upsert.run(`doc${tx % 100}`, `client${tx % 10}`, tx, text)
          tx++
        }
        out.push({
          synchronous,
          rowBytes: bytes,
          txPerSec: tx / ((performance.now() - start) / 1000),
        })
      } finally {
        db.close()
        for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true })
      }
    }
  }
  return out
}
