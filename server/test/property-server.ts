// The real server for the property suite: `server/main.ts` as a child process, configured only
// as `npm start` is (no TANDEM_* setting besides the database file and the TCP gateway, which
// is off by default and has no other way to be reached), on port 0 and a temp SQLite file.
// restart() kills it with SIGKILL and starts it again on the same file and ports.

import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'

const root = fileURLToPath(new URL('../..', import.meta.url))

/** A running server process and what it listens on. */
export interface RealServer {
  readonly httpPort: number
  readonly tcpPort: number
  /** How many times restart() ran. */
  readonly restarts: number
  /** SIGKILL, then the same command on the same database and ports. */
  restart(): Promise<void>
  /** The master text of `file` as committed to SQLite (null: no text). */
  masterText(file: string): string | null
  stop(): Promise<void>
}

interface Child {
  readonly process: ChildProcess
  readonly httpPort: number
  readonly tcpPort: number
  readonly exited: Promise<void>
}

function spawnServer(dbPath: string, httpPort: number, tcpPort: number): Promise<Child> {
  // Only what main.ts needs to listen where the test can reach it; LOG quiets the output.
  const { NODE_TEST_CONTEXT: _, ...env } = process.env
  for (const name of Object.keys(env)) if (name.startsWith('TANDEM_')) delete env[name]
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'server/main.ts', '--tcp-port', String(tcpPort)],
    {
      cwd: root,
      env: { ...env, PORT: String(httpPort), HOST: '127.0.0.1', TANDEM_DB: dbPath, LOG: 'error' },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  )
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  return new Promise((resolve, reject) => {
    let output = ''
    const timer = setTimeout(() => reject(new Error(`Server did not start: ${output}`)), 30_000)
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      const http = /Tandem listening on http:\/\/[^:\s]+:(\d+)/.exec(output)
      const tcp = /TCP gateway listening on [^:\s]+:(\d+)/.exec(output)
      if (!http || !tcp) return
      clearTimeout(timer)
      resolve({ process: child, httpPort: Number(http[1]), tcpPort: Number(tcp[1]), exited })
    })
    child.once('exit', (code) => reject(new Error(`Server exited (${code}): ${output}`)))
  })
}

/** Starts the server on `dbPath` (a file that may not exist yet). */
export async function startRealServer(dbPath: string): Promise<RealServer> {
  let child = await spawnServer(dbPath, 0, 0)
  const { httpPort, tcpPort } = child
  let restarts = 0
  let restarting: Promise<void> = Promise.resolve()
  let reader: Database.Database | undefined
  return {
    httpPort,
    tcpPort,
    get restarts() {
      return restarts
    },
    restart() {
      restarting = (async () => {
        child.process.kill('SIGKILL')
        await child.exited
        restarts++
        child = await spawnServer(dbPath, httpPort, tcpPort)
      })()
      return restarting
    },
    masterText(file) {
      // Every answer is committed before it leaves (DESIGN §7): the file holds the master text.
      reader ??= new Database(dbPath, { readonly: true, fileMustExist: true })
      const row = reader.prepare('SELECT text FROM documents WHERE file = ?').get(file) as
        { text: string | null } | undefined
      return row?.text ?? null
    },
    async stop() {
      // A restart still under way would leave its new process running.
      await restarting.catch(() => {})
      reader?.close()
      child.process.kill('SIGTERM')
      await child.exited
    },
  }
}
