// The fuzzer (issue 14): seeded, mutated and generated inputs on every path of the real server
// process with default settings (plus the TCP gateway, which is off by default): MobWrite lines
// and `b:` buffers over q.py/JSONP/TCP and /mobwrite WebSocket, Bayeux JSON over WebSocket,
// long-polling and JSONP, and raw HTTP framing. A canary document written first must come out
// unchanged, and the process must be alive and serving. The worst event-loop delay (the
// server's own /metrics gauge), /healthz round trips and RSS are printed.
// TANDEM_FUZZ_INPUTS (default 5,000) and TANDEM_FUZZ_SEED replay or lengthen a run (README
// "Development").

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { randomInt } from 'node:crypto'
import { startMainProcess } from './main-process.ts'
import { waitFor } from './harness.ts'
import { canaryName, fileNames } from './fuzz-inputs.ts'
import { fuzzPaths, runFuzz } from './fuzz-run.ts'
import { bayeuxSession, readDocument, writeDocument } from './fuzz-canary.ts'
import {
  collectGarbage,
  freePort,
  healthRoundTrip,
  inspectArgs,
  mb,
  rssOf,
  watchServer,
} from './fuzz-probe.ts'

const seed = Number(process.env.TANDEM_FUZZ_SEED ?? randomInt(2 ** 31))
const count = Number(process.env.TANDEM_FUZZ_INPUTS ?? 5_000)
const canaryText = 'Canary ✓ first line\nsecond line 😀 with %25 and\ttab\n'

// The server's error log lines (LOG=error prints only those), counted by message and error.
function serverErrors(stderr: string): Map<string, number> {
  const counts = new Map<string, number>()
  for (const line of stderr.split('\n')) {
    if (!line.trim()) continue
    let key = line.slice(0, 200)
    try {
      const entry = JSON.parse(line) as { msg?: string; error?: string }
      key = `${entry.msg}: ${entry.error}`
    } catch {
      // Not a log line (a Node warning or a crash trace): kept as it is.
    }
    counts.set(key, (counts.get(key) ?? 0) + 1)
  }
  return counts
}

test(
  `fuzz: ${count} inputs on every path, seed ${seed}`,
  { timeout: 120_000 + count * 100 },
  async (t) => {
    console.log(
      `# fuzz seed ${seed} (replay: TANDEM_FUZZ_SEED=${seed} TANDEM_FUZZ_INPUTS=${count})`,
    )
    let stderr = ''
    const inspectPort = await freePort()
    const server = await startMainProcess(
      t,
      { TANDEM_TCP_PORT: '0' },
      {
        nodeArgs: inspectArgs(inspectPort),
        onStderr: (s) => (stderr = (stderr + s).slice(-200_000)),
      },
    )
    const pid = server.process.pid ?? 0
    const target = { url: server.url, port: server.port, tcpPort: server.tcpPort ?? 0 }
    const canary = canaryName(seed)
    await writeDocument(server.url, canary, canaryText)
    assert.equal(await readDocument(server.url, canary), canaryText)
    await collectGarbage(inspectPort)
    const baselineRss = rssOf(pid)

    // Long-polling sessions for the Bayeux inputs to name: a fresh one every 2 s.
    let lpSession = await bayeuxSession(server.url)
    let refreshing = true
    const refresher = (async () => {
      while (refreshing) {
        await new Promise((resolve) => setTimeout(resolve, 2_000))
        lpSession = await bayeuxSession(server.url).catch(() => lpSession)
      }
    })()

    const watch = watchServer(server.url, pid)
    const started = performance.now()
    const tally = await runFuzz({
      target,
      seed,
      count,
      files: fileNames(seed),
      workers: 6,
      lpSession: () => lpSession,
      onProgress: (done) => done % 10_000 === 0 && console.log(`# ${done} inputs`),
    })
    const seconds = (performance.now() - started) / 1000
    refreshing = false
    await refresher
    const report = await watch.stop()

    // 0 crashes: the process runs and serves every path.
    assert.equal(server.process.exitCode, null, 'the server process exited')
    assert.equal(server.process.signalCode, null, 'the server process was killed')
    await healthRoundTrip(server.url)
    await waitFor(() => bayeuxSession(server.url), { timeoutMs: 20_000, intervalMs: 500 })
    // 0 changes to the canary.
    assert.equal(await readDocument(server.url, canary), canaryText)

    const endRss = rssOf(pid)
    const heapAfterGc = await collectGarbage(inspectPort)
    const gcRss = rssOf(pid)
    for (const path of fuzzPaths) {
      const outcomes = [...(tally.outcomes.get(path) ?? [])].map(([o, n]) => `${o} ${n}`).join(', ')
      console.log(
        `# ${path}: ${outcomes}; slowest ${Math.round(tally.slowestMs.get(path) ?? 0)} ms`,
      )
    }
    console.log(`# ${count} inputs in ${seconds.toFixed(1)} s (${Math.round(count / seconds)}/s)`)
    console.log(
      `# worst event-loop delay (server /metrics): ${report.worstLoopDelayMs.toFixed(1)} ms`,
    )
    const h = report.health
    console.log(
      `# /healthz round trip: p50 ${h.p50.toFixed(1)} ms, p99 ${h.p99.toFixed(1)} ms, max ${h.max.toFixed(1)} ms (${h.count} probes, ${h.failures} failed)`,
    )
    console.log(
      `# RSS: baseline ${mb(baselineRss)}, peak ${mb(report.peakRss)}, end ${mb(endRss)}, after GC ${mb(gcRss)} (heap ${mb(heapAfterGc)})`,
    )
    const errors = serverErrors(stderr)
    for (const [line, n] of errors) console.log(`# server log: ${n} × ${line}`)
    if (tally.unanswered.length > 0)
      console.log(`# unanswered within 5 s: inputs ${tally.unanswered.slice(0, 20).join(', ')}`)
    assert.deepEqual(tally.unanswered, [], 'every input was answered (or refused) within 5 s')
  },
)
