// The real server as `npm start` runs it: `server/main.ts` in a child process (under tsx, so no
// build is needed) on a temp SQLite file, configured only by the environment given. Tests that
// are about default settings start it with no settings at all.

import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { tempDir } from './sync-helpers.ts'

const root = fileURLToPath(new URL('../..', import.meta.url))

/** A running server process. */
export interface MainProcess {
  readonly process: ChildProcess
  /** http://127.0.0.1:<port> */
  readonly url: string
  readonly port: number
  /** Port of the raw MobWrite TCP gateway, when `env.TANDEM_TCP_PORT` switched it on. */
  readonly tcpPort: number | undefined
  /** Resolves when the process has exited. */
  readonly exited: Promise<void>
}

/** How {@link startMainProcess} runs node. */
export interface MainProcessOptions {
  /** Node flags before the script (e.g. `--inspect=127.0.0.1:<port>`). */
  readonly nodeArgs?: readonly string[]
  /** Receives the process's stderr instead of the test's own stderr. */
  readonly onStderr?: (text: string) => void
}

/**
 * Starts `server/main.ts` on 127.0.0.1 (port 0 unless `env.PORT` says otherwise) and resolves
 * once it printed the URL it listens on. `env` adds variables (e.g. `TANDEM_TCP_PORT`); the
 * database lives in a temp folder removed after the test unless `env.TANDEM_DB` names one. The
 * process is killed when the test ends, if it still runs.
 */
export function startMainProcess(
  t: { after: (fn: () => unknown) => void },
  env: Record<string, string> = {},
  opts: MainProcessOptions = {},
): Promise<MainProcess> {
  const { NODE_TEST_CONTEXT: _, ...inherited } = process.env
  const dbPath = env.TANDEM_DB ?? join(tempDir(t, 'tandem-main-'), 'tandem.db')
  const args = [...(opts.nodeArgs ?? []), '--import', 'tsx', 'server/main.ts']
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...inherited, PORT: '0', HOST: '127.0.0.1', TANDEM_DB: dbPath, LOG: 'error', ...env },
    stdio: ['ignore', 'pipe', opts.onStderr ? 'pipe' : 'inherit'],
  })
  if (opts.onStderr) child.stderr?.on('data', (chunk: Buffer) => opts.onStderr?.(String(chunk)))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    await exited
  })
  return new Promise((resolve, reject) => {
    let output = ''
    const timer = setTimeout(() => reject(new Error(`Server did not start: ${output}`)), 30_000)
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      const match = /listening on http:\/\/[^:\s]+:(\d+)/.exec(output)
      const tcp = /TCP gateway listening on \S+:(\d+)/.exec(output)
      if (!match || (env.TANDEM_TCP_PORT !== undefined && !tcp)) return
      clearTimeout(timer)
      const port = Number(match[1])
      const tcpPort = tcp ? Number(tcp[1]) : undefined
      resolve({ process: child, url: `http://127.0.0.1:${port}`, port, tcpPort, exited })
    })
    child.once('exit', (code) => reject(new Error(`Server exited (${code}): ${output}`)))
  })
}
