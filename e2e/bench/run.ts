// The benchmark entry: `npm run bench` (full, writes e2e/bench/results.md) and
// `npm run bench:quick` (CI: tiny sizes, asserts correctness only, never timings).
// Flags: --quick, --only=floors,s1,s2,s5, --out=<file>, --readme=<README.md to update>,
// --render=<saved run .json>, --profile (Tandem server CPU profiles into e2e/bench/tmp/prof),
// --contenders=tandem,faye-long (S1 contenders whose `server-transport` key contains one of the
// words), --s1-clients=100 (only the S1 sizes with that many clients).
// Loopback only; every child is killed at the end, on error too, and when the time budget runs
// out.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import * as prettier from 'prettier'
import { fullConfig, quickConfig, type BenchConfig } from './config.ts'
import { measureDmp, measureRoundTrips, measureSqlite } from './floors.ts'
import { killAll, repoRoot } from './lib/procs.ts'
import {
  machineLine,
  renderRatioTable,
  ratioRows,
  renderResults,
  type RunResults,
} from './report.ts'
import { runS1, s1Contenders } from './s1-fanout.ts'
import { runS2 } from './s2-hotdoc.ts'
import { runS5 } from './s5-storm.ts'
import { removeScratchStores, scratchDir } from './tandem.ts'

const args = process.argv.slice(2)
const flag = (name: string): string | undefined =>
  args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1]
const config: BenchConfig = args.includes('--quick') ? quickConfig : fullConfig
const only = new Set((flag('only') ?? 'floors,s1,s2,s5').split(','))
const outFile =
  flag('out') ??
  (config.mode === 'full'
    ? join(repoRoot, 'e2e/bench/results.md')
    : join(scratchDir(), 'results-quick.md'))
// A full run copies its table into the README, unless it ran only part or wrote elsewhere.
const isWholeRun = config.mode === 'full' && !flag('only') && !flag('out')
const readmeFile = flag('readme') ?? (isWholeRun ? join(repoRoot, 'README.md') : undefined)
const contenderWords = flag('contenders')?.toLowerCase().split(',')
const s1Picked = s1Contenders.filter(
  (c) => !contenderWords || contenderWords.some((w) => `${c.server}-${c.transport}`.includes(w)),
)
const s1Sizes = config.s1.filter(
  (o) => flag('s1-clients') === undefined || String(o.clients) === flag('s1-clients'),
)
const started = Date.now()

const log = (line: string): void => {
  const s = ((Date.now() - started) / 1000).toFixed(0).padStart(4)
  process.stdout.write(`[${s}s] ${line}\n`)
}

// The coordinator and its in-process clients stay off the server's core.
function pinSelf(): void {
  if (!existsSync('/usr/bin/taskset')) return
  try {
    execFileSync('taskset', ['-pc', '1', String(process.pid)], { stdio: 'ignore' })
  } catch {
    log('could not pin the coordinator to core 1')
  }
}

process.on('exit', () => {
  killAll()
  removeScratchStores()
})
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    killAll()
    process.exit(130)
  })
}
const budget = setTimeout(() => {
  log(`time budget of ${config.budgetMs / 1000} s exceeded: killing everything`)
  killAll()
  process.exit(2)
}, config.budgetMs)

async function section<T>(
  name: string,
  run: RunResults,
  fn: () => Promise<T>,
): Promise<T | undefined> {
  if (!only.has(name)) return undefined
  try {
    return await fn()
  } catch (err) {
    const message = err instanceof Error ? (err.stack ?? err.message) : String(err)
    log(`${name} failed: ${message}`)
    run.errors.push(`${name}: ${message.split('\n')[0]}`)
    return undefined
  }
}

// The README's "Benchmarks" section shows the latest full run between these markers.
const readmeStart = '<!-- bench:start -->'
const readmeEnd = '<!-- bench:end -->'

// Generated Markdown goes through prettier, so `npm run lint` stays clean.
async function formatMarkdown(text: string): Promise<string> {
  const options = await prettier.resolveConfig(join(repoRoot, 'README.md'))
  return prettier.format(text, { ...options, parser: 'markdown' })
}

async function updateReadme(run: RunResults, file: string): Promise<void> {
  const text = readFileSync(file, 'utf8')
  const a = text.indexOf(readmeStart)
  const b = text.indexOf(readmeEnd)
  if (a < 0 || b < a) return log('README.md has no bench markers; table not copied')
  const table = await formatMarkdown(
    [
      `Latest full run: ${run.startedAt.toISOString().slice(0, 16)}Z, commit ${run.commit}, on ${machineLine()}; load average ${run.loadAverage.map((l) => l.toFixed(1)).join(' → ')}.`,
      '',
      renderRatioTable(ratioRows(run)),
    ].join('\n'),
  )
  const block = [readmeStart, table.trimEnd(), readmeEnd].join('\n')
  writeFileSync(file, text.slice(0, a) + block + text.slice(b + readmeEnd.length))
}

function currentCommit(): string {
  if (process.env.BENCH_COMMIT) return process.env.BENCH_COMMIT
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot })
      .toString()
      .trim()
  } catch {
    return 'unknown'
  }
}

/** Correctness checks of the quick mode (CI): nothing lost, every document converged. */
function correctnessFailures(run: RunResults): string[] {
  const failures = [...run.errors]
  for (const { results } of run.s1) {
    for (const r of results) {
      if (r.error) failures.push(`S1 ${r.contender.name}: ${r.error}`)
      else if (r.lost !== 0)
        failures.push(`S1 ${r.contender.name}: ${r.lost} of ${r.expected} deliveries lost`)
    }
  }
  for (const r of run.s2 ?? []) {
    if (r.error) failures.push(`S2 ${r.contender.name}: ${r.error}`)
    for (const s of r.steps)
      if (!s.converged)
        failures.push(
          `S2 ${r.contender.name} N=${s.editors}: not converged (${s.unseen} edits unseen)`,
        )
  }
  for (const r of run.s5 ?? []) {
    if (r.error) failures.push(`S5 ${r.name}: ${r.error}`)
    else if (r.lost !== 0 || !r.converged)
      failures.push(`S5 ${r.name}: ${r.lost} edits lost, converged ${r.converged}`)
  }
  return failures
}

async function measure(): Promise<RunResults> {
  pinSelf()
  const run: RunResults = {
    mode: config.mode,
    startedAt: new Date(),
    elapsedS: 0,
    s1: [],
    errors: [],
    loadAverage: [os.loadavg()[0] ?? 0, 0],
    commit: currentCommit(),
  }
  const profileDir = args.includes('--profile') ? join(scratchDir(), 'prof') : undefined
  if (profileDir) mkdirSync(profileDir, { recursive: true })
  const tandem = { cpuProfDir: profileDir }
  log(`benchmark (${config.mode}), sections ${[...only].join(', ')}`)
  await section('floors', run, async () => {
    const fl = config.floors
    run.roundTrip = await measureRoundTrips(fl.roundTripMs)
    run.dmp = measureDmp(fl.dmpSizesKb, fl.dmpEdits, fl.dmpMinMs)
    run.sqlite = measureSqlite(fl.sqliteRowBytes, fl.sqliteMs)
    log(`floors: ${Math.round(run.roundTrip.roundTripsPerSec)} ws round trips/s`)
  })
  await section('s1', run, async () => {
    for (const options of s1Sizes)
      run.s1.push({ options, results: await runS1({ ...options, tandem }, s1Picked, log) })
  })
  run.s2 = await section('s2', run, () => runS2({ ...config.s2, tandem }, undefined, log))
  run.s5 = await section('s5', run, () => runS5({ ...config.s5, tandem }, undefined, log))
  run.elapsedS = (Date.now() - started) / 1000
  run.loadAverage[1] = os.loadavg()[0] ?? 0
  writeFileSync(join(scratchDir(), `last-${config.mode}-run.json`), JSON.stringify(run))
  return run
}

// --render=<json>: re-renders a saved run (e2e/bench/tmp/last-*-run.json) without measuring.
function loadRun(file: string): RunResults {
  const run = JSON.parse(readFileSync(file, 'utf8')) as RunResults & { startedAt: string }
  return { ...run, startedAt: new Date(run.startedAt) }
}

async function main(): Promise<number> {
  const saved = flag('render')
  const run = saved ? loadRun(saved) : await measure()
  const analysisFile = join(repoRoot, 'e2e/bench/analysis.md')
  const analysis =
    config.mode === 'full' && existsSync(analysisFile) ? readFileSync(analysisFile, 'utf8') : ''
  writeFileSync(outFile, await formatMarkdown(renderResults(run, analysis)))
  if (readmeFile) await updateReadme(run, readmeFile)
  console.log(
    `\n${renderRatioTable(ratioRows(run))}\n\nwritten to ${outFile} in ${run.elapsedS.toFixed(0)} s`,
  )
  if (config.mode === 'full') return run.errors.length ? 1 : 0
  const failures = correctnessFailures(run)
  for (const f of failures) console.error(`FAIL ${f}`)
  return failures.length ? 1 : 0
}

main().then(
  (code) => {
    clearTimeout(budget)
    killAll()
    process.exit(code)
  },
  (err: unknown) => {
    console.error(err)
    killAll()
    process.exit(1)
  },
)
