// Starts Tandem's own server as a benchmark contender, as `npm start` runs it: the precompiled
// bundle (server/build.ts, built once per benchmark process) under plain `node`, on the server
// core, PORT=0, with a fresh SQLite file under e2e/bench/tmp unless one is given (S5 restarts on
// it).
import { mkdirSync, readdirSync, rmSync } from 'node:fs'
import { join, relative } from 'node:path'
import { buildServer, serverDistDir } from '../../server/build.ts'
import { repoRoot, startServer, type ServerChild } from './lib/procs.ts'

/** How to start Tandem for a scenario. */
export interface TandemOptions {
  /** Write a V8 CPU profile of the server into this folder (`node --cpu-prof`). */
  cpuProfDir?: string
  /** SQLite file; a new one per start by default. */
  dbPath?: string
  /** Port to listen on (0 = any; S5 restarts on the same port). */
  port?: number
  /** Extra node flags for the server, e.g. `--heap-prof` (it then stops with SIGTERM). */
  nodeFlags?: string[]
}

let serial = 0

/** The scratch folder of the benchmark (ignored by git). */
export function scratchDir(): string {
  const dir = join(repoRoot, 'e2e/bench/tmp')
  mkdirSync(dir, { recursive: true })
  return dir
}

/** Deletes the scratch databases (SQLite files, LevelDB folders) this process created. */
export function removeScratchStores(): void {
  const dir = scratchDir()
  const mine = new RegExp(`^(tandem|s5|s5-leveldb|floor)-${process.pid}-`)
  for (const name of readdirSync(dir)) {
    if (mine.test(name)) rmSync(join(dir, name), { recursive: true, force: true })
  }
}

/** A fresh SQLite path in the scratch folder. */
export function freshDbPath(label: string): string {
  return join(scratchDir(), `${label}-${process.pid}-${++serial}.db`)
}

let bundle: Promise<string> | undefined

/** Builds dist/server/main.js from the current sources once per process; its path from the root. */
export function tandemBundle(): Promise<string> {
  bundle ??= buildServer().then(() => relative(repoRoot, join(serverDistDir, 'main.js')))
  return bundle
}

/** Starts the server bundle and resolves once it printed the port it listens on. */
export async function startTandem(options: TandemOptions = {}): Promise<ServerChild> {
  const nodeFlags = [
    // As `npm start`; the CPU profile then keeps bundle positions (profile.ts maps them back).
    '--enable-source-maps',
    ...(options.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`] : []),
    ...(options.nodeFlags ?? []),
  ]
  return startServer(await tandemBundle(), {
    nodeFlags,
    env: {
      PORT: String(options.port ?? 0),
      HOST: '127.0.0.1',
      TANDEM_DB: options.dbPath ?? freshDbPath('tandem'),
      // Every benchmark client comes from 127.0.0.1: one anonymous rate bucket and one address
      // for the connection cap and the handshakes not yet connected (S5's storm reconnects
      // 1,000 clients at once). All are lifted, as the peers have none of them.
      TANDEM_RATE_PER_SECOND: '0',
      TANDEM_MAX_CONNECTIONS_PER_IP: '0',
      TANDEM_MAX_UNCONNECTED_PER_ADDRESS: '0',
      LOG: 'warn',
    },
  })
}
