// Child processes of the benchmark: start (pinned to a core), read the port a server printed, talk
// to generators over IPC, sample server CPU, and kill every child at the end, on error too.
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import pidusage from 'pidusage'

/** The repository root (e2e/bench/lib → ../../..). */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url))

const children = new Set<ChildProcess>()
const hasTaskset = existsSync('/usr/bin/taskset') || existsSync('/bin/taskset')

/** Which core a child runs on: the server core, the generator core, or wherever the OS likes. */
export type Core = 'server' | 'generator' | 'any'

/** A started child with its captured output (last 64 KB) for error messages. */
export interface Child {
  proc: ChildProcess
  pid: number
  output: () => string
}

/** Options for {@link startChild}. */
export interface StartOptions {
  core: Core
  env?: Record<string, string>
  /** Extra node flags, e.g. `--cpu-prof`. */
  nodeFlags?: string[]
  /** Open an IPC channel (generators). */
  ipc?: boolean
  args?: string[]
}

/**
 * Starts `node --import tsx <file>` (a path relative to the repo root; plain `node <file>` for a
 * precompiled `.js`), pinned with taskset.
 */
export function startChild(file: string, options: StartOptions): Child {
  const loader = file.endsWith('.ts') ? ['--import', 'tsx'] : []
  const nodeArgs = [...(options.nodeFlags ?? []), ...loader, file, ...(options.args ?? [])]
  const core = options.core === 'server' ? '0' : options.core === 'generator' ? '1' : undefined
  // taskset execs node, so the pid, the signals and the IPC fd all belong to node itself.
  const [cmd, args] =
    hasTaskset && core !== undefined
      ? ['taskset', ['-c', core, process.execPath, ...nodeArgs]]
      : [process.execPath, nodeArgs]
  const proc = spawn(cmd, args as string[], {
    cwd: repoRoot,
    env: { ...process.env, LOG: 'warn', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe', ...(options.ipc ? (['ipc'] as const) : [])],
  })
  if (proc.pid === undefined) throw new Error(`could not start ${file}`)
  children.add(proc)
  proc.once('exit', () => children.delete(proc))
  let output = ''
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-65_536)
  }
  proc.stdout?.on('data', keep)
  proc.stderr?.on('data', keep)
  return { proc, pid: proc.pid, output: () => output }
}

/** Resolves with the first match of `pattern` in the child's stdout+stderr, within `timeoutMs`. */
export function waitForLine(
  child: Child,
  pattern: RegExp,
  timeoutMs: number,
): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const check = (): boolean => {
      const m = child.output().match(pattern)
      if (!m) return false
      done()
      resolve(m)
      return true
    }
    const onExit = (code: number | null, signal: string | null): void => {
      done()
      reject(new Error(`child exited (${code ?? signal}) before ${pattern}: ${child.output()}`))
    }
    const timer = setTimeout(() => {
      done()
      reject(new Error(`no ${pattern} within ${timeoutMs} ms: ${child.output().slice(-2000)}`))
    }, timeoutMs)
    const done = (): void => {
      clearTimeout(timer)
      child.proc.stdout?.off('data', check)
      child.proc.stderr?.off('data', check)
      child.proc.off('exit', onExit)
    }
    child.proc.stdout?.on('data', check)
    child.proc.stderr?.on('data', check)
    child.proc.once('exit', onExit)
    check()
  })
}

/** A server child and the port it printed. */
export interface ServerChild extends Child {
  port: number
}

/** Starts a server that prints its port (`BENCH_PORT n` or Tandem's "listening on http://h:p"). */
export async function startServer(
  file: string,
  options: Omit<StartOptions, 'core'> = {},
): Promise<ServerChild> {
  const child = startChild(file, { ...options, core: 'server' })
  const m = await waitForLine(
    child,
    /(?:BENCH_PORT |listening on https?:\/\/[^\s:]+:)(\d+)/,
    30_000,
  )
  return { ...child, port: Number(m[1]) }
}

/** Kills one child with `signal` and waits for it to exit (bounded). */
export async function stopChild(child: Child, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  const { proc } = child
  if (proc.exitCode !== null || proc.signalCode !== null) return
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()))
  proc.kill(signal)
  const timer = setTimeout(() => proc.kill('SIGKILL'), 3_000)
  await exited
  clearTimeout(timer)
}

/** Kills every child this process started. Safe to call more than once, and from 'exit'. */
export function killAll(): void {
  for (const proc of children) {
    try {
      proc.kill('SIGKILL')
    } catch {
      // Already gone.
    }
  }
  children.clear()
}

/** Throws with the child's last output if it has exited (a crashed server fails loudly). */
export function assertAlive(child: Child): void {
  const { proc } = child
  if (proc.exitCode === null && proc.signalCode === null) return
  const tail = child.output().slice(-1500)
  throw new Error(`pid ${child.pid} exited (${proc.exitCode ?? proc.signalCode}): ${tail}`)
}

/** CPU seconds (user + system) a child has used so far, read from /proc via pidusage. */
export async function cpuSeconds(child: Child): Promise<number> {
  assertAlive(child)
  const stat = await pidusage(child.pid)
  return stat.ctime / 1000
}

/** Current RSS of a process in bytes. */
export async function rssBytes(pid: number): Promise<number> {
  return (await pidusage(pid)).memory
}

/** The machine line for the results: CPU model, cores, Node version, whether pinning works. */
export function pinningNote(): string {
  return hasTaskset ? 'server on core 0, generators on core 1 (taskset)' : 'no taskset: unpinned'
}
