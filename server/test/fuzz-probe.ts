// Watches a server process from outside while the fuzzer and the churn test run: its RSS (from
// /proc), its event-loop delay (the server's own /metrics gauge of its worst recent delay), a
// /healthz round trip as a second lag measure, and a forced GC through the V8 inspector (the
// server has no GC switch of its own; `--inspect` is only given to the process under test).

import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { WebSocket } from 'ws'

/** Resident set size of process `pid` in bytes (Linux /proc). */
export function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1]
  if (kb === undefined) throw new Error(`No VmRSS for process ${pid}`)
  return Number(kb) * 1024
}

/** A port free right now on 127.0.0.1 (for the inspector, which cannot report port 0). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address()
      const port = typeof address === 'object' && address ? address.port : 0
      srv.close(() => resolve(port))
    })
  })
}

/** The worst recent event-loop delay (seconds) the server reports in /metrics (quantile 1). */
export async function scrapeLoopDelay(url: string): Promise<number> {
  const res = await fetch(url + '/metrics', { signal: AbortSignal.timeout(10_000) })
  const text = await res.text()
  const value = /^tandem_event_loop_delay_seconds\{quantile="1"\} (\S+)$/m.exec(text)?.[1]
  if (value === undefined) throw new Error('No tandem_event_loop_delay_seconds in /metrics')
  return Number(value)
}

/** Milliseconds for one GET /healthz; throws when it does not answer 200 within `timeoutMs`. */
export async function healthRoundTrip(url: string, timeoutMs = 10_000): Promise<number> {
  const started = performance.now()
  const res = await fetch(url + '/healthz', { signal: AbortSignal.timeout(timeoutMs) })
  await res.text()
  if (res.status !== 200) throw new Error(`/healthz answered ${res.status}`)
  return performance.now() - started
}

/** What {@link watchServer} saw. */
export interface WatchReport {
  /** Worst event-loop delay the server measured, in ms. */
  worstLoopDelayMs: number
  /** /healthz round trips in ms: median, 99th percentile, worst, and how many. */
  health: { p50: number; p99: number; max: number; count: number; failures: number }
  /** Largest RSS seen, in bytes. */
  peakRss: number
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0

/** Scrapes /metrics every second and /healthz every 200 ms until `stop()` returns the report. */
export function watchServer(url: string, pid: number): { stop(): Promise<WatchReport> } {
  const rtts: number[] = []
  let failures = 0
  let worstDelay = 0
  let peakRss = rssOf(pid)
  let running = true
  const loop = async (periodMs: number, fn: () => Promise<void>) => {
    while (running) {
      await fn().catch(() => failures++)
      await new Promise((resolve) => setTimeout(resolve, periodMs))
    }
  }
  const loops = [
    loop(1_000, async () => {
      worstDelay = Math.max(worstDelay, await scrapeLoopDelay(url))
      peakRss = Math.max(peakRss, rssOf(pid))
    }),
    loop(200, async () => void rtts.push(await healthRoundTrip(url))),
  ]
  return {
    async stop() {
      running = false
      await Promise.all(loops)
      worstDelay = Math.max(worstDelay, await scrapeLoopDelay(url))
      const sorted = [...rtts].sort((a, b) => a - b)
      const health = {
        p50: percentile(sorted, 0.5),
        p99: percentile(sorted, 0.99),
        max: sorted.at(-1) ?? 0,
        count: sorted.length,
        failures,
      }
      return { worstLoopDelayMs: worstDelay * 1000, health, peakRss }
    },
  }
}

/** Node flags that let {@link collectGarbage} reach a process through the inspector. */
export const inspectArgs = (port: number) => [`--inspect=127.0.0.1:${port}`]

/**
 * Forces a full GC in the process whose inspector listens on `port` (twice, so that objects
 * freed by finalizers go too) and returns its V8 heap use in bytes afterwards.
 */
export async function collectGarbage(port: number): Promise<number> {
  const list = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as Array<{
    webSocketDebuggerUrl: string
  }>
  const target = list[0]?.webSocketDebuggerUrl
  if (!target) throw new Error(`No inspector target on port ${port}`)
  const ws = new WebSocket(target)
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))
  let nextId = 0
  const call = (method: string) =>
    new Promise<Record<string, unknown>>((resolve) => {
      const id = ++nextId
      const onMessage = (data: unknown) => {
        const reply = JSON.parse(String(data)) as { id?: number; result?: Record<string, unknown> }
        if (reply.id !== id) return
        ws.off('message', onMessage)
        resolve(reply.result ?? {})
      }
      ws.on('message', onMessage)
      ws.send(JSON.stringify({ id, method }))
    })
  try {
    await call('HeapProfiler.collectGarbage')
    await call('HeapProfiler.collectGarbage')
    const usage = await call('Runtime.getHeapUsage')
    return Number(usage.usedSize)
  } finally {
    ws.close()
  }
}

/** Bytes as MB with one decimal, for report lines. */
export const mb = (bytes: number) => `${(bytes / 1_048_576).toFixed(1)} MB`
