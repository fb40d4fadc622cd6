// Measures what the durability rule costs: one SqliteStore.commit() per sync, shaped like a
// real one (the document plus the author's view with its shadow and backup shadow). For
// e2e/bench (BENCHMARKS "Floors": SQLite tx/s at NORMAL and FULL) and a smoke test.

import { performance } from 'node:perf_hooks'
import type { ViewState } from '../../shared/sync/types.ts'
import { openSqliteStore, type SynchronousLevel } from './sqlite.ts'

/** Options of {@link measureCommitCost}. */
export interface CommitCostOptions {
  /** Database file (use a temp file: ':memory:' measures no I/O). */
  readonly path: string
  readonly synchronous: SynchronousLevel
  /** Size of the document text, in UTF-16 code units. */
  readonly textChars: number
  /** How many commits to time. */
  readonly commits: number
}

/** What {@link measureCommitCost} found; latencies are per commit() call. */
export interface CommitCost {
  readonly commits: number
  readonly commitsPerSecond: number
  readonly p50Ms: number
  readonly p99Ms: number
  readonly maxMs: number
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0
}

function viewAt(i: number, text: string): ViewState {
  return {
    user: 'bench',
    file: 'bench-doc',
    shadow: text,
    backupShadow: text,
    clientVersion: i,
    serverVersion: i,
    backupServerVersion: i,
    editStack: [{ version: i, line: `d:${i}:=${text.length}` }],
    handle: 'bench:127.0.0.1',
    owner: 'principal:bench',
    meta: null,
    lastSeenMs: Date.now(),
  }
}

/** Opens a store at `path`, times `commits` sync-shaped commits and closes it. */
export function measureCommitCost(options: CommitCostOptions): CommitCost {
  const store = openSqliteStore({ path: options.path, synchronous: options.synchronous })
  const base = 'x'.repeat(Math.max(0, options.textChars - 8))
  const times: number[] = []
  try {
    const started = performance.now()
    for (let i = 0; i < options.commits; i++) {
      // A different text each time, so SQLite really rewrites the pages.
      const text = base + String(i).padStart(8, '0')
      const t0 = performance.now()
      store.commit({
        putDocuments: [{ file: 'bench-doc', text, revision: i + 1, updatedMs: Date.now() }],
        putViews: [viewAt(i, text)],
      })
      times.push(performance.now() - t0)
    }
    const totalMs = performance.now() - started
    times.sort((a, b) => a - b)
    return {
      commits: options.commits,
      commitsPerSecond: (options.commits * 1000) / totalMs,
      p50Ms: percentile(times, 0.5),
      p99Ms: percentile(times, 0.99),
      maxMs: times[times.length - 1] ?? 0,
    }
  } finally {
    store.close()
  }
}
