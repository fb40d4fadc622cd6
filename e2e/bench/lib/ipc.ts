// Request/response over the IPC channel between the coordinator (run.ts) and its generator
// children: `{id, cmd, args}` → `{id, result}` or `{id, error}`. A generator exits when its
// parent goes away, so no orphan keeps loading the machine.
import { startChild, stopChild, type Child } from './procs.ts'

interface Request {
  id: number
  cmd: string
  args: unknown
}

interface Reply {
  id: number
  result?: unknown
  error?: string
}

/** A generator child the coordinator sends commands to. */
export interface Generator extends Child {
  /** Runs `cmd` in the child; rejects on its error or after `timeoutMs`. */
  call<T>(cmd: string, args: unknown, timeoutMs: number): Promise<T>
  stop(): Promise<void>
}

/** Starts a generator (a file calling {@link serveCommands}) on the generator core. */
export function startGenerator(file: string, env?: Record<string, string>): Generator {
  const child = startChild(file, { core: 'generator', ipc: true, env })
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>()
  let nextId = 1
  child.proc.on('message', (raw: unknown) => {
    const reply = raw as Reply
    const p = pending.get(reply.id)
    if (!p) return
    pending.delete(reply.id)
    if (reply.error !== undefined) p.reject(new Error(`${file}: ${reply.error}`))
    else p.resolve(reply.result)
  })
  child.proc.once('exit', (code, signal) => {
    for (const p of pending.values())
      p.reject(new Error(`${file} exited (${code ?? signal}): ${child.output().slice(-1500)}`))
    pending.clear()
  })
  const call = <T>(cmd: string, args: unknown, timeoutMs: number): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++
      const timer = setTimeout(() => {
        pending.delete(id)
        reject(new Error(`${file}: ${cmd} took over ${timeoutMs} ms`))
      }, timeoutMs)
      pending.set(id, {
        resolve: (v) => (clearTimeout(timer), resolve(v as T)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      })
      child.proc.send({ id, cmd, args } satisfies Request)
    })
  return { ...child, call, stop: () => stopChild(child) }
}

/** Calls `cmd` on every generator at once and returns their results in order. */
export function callAll<T>(
  gens: Generator[],
  cmd: string,
  args: (i: number) => unknown,
  timeoutMs: number,
): Promise<T[]> {
  return Promise.all(gens.map((g, i) => g.call<T>(cmd, args(i), timeoutMs)))
}

/** Command handlers of a generator child, by command name. */
export type Handlers = Record<string, (args: never) => Promise<unknown> | unknown>

/** Serves the coordinator's commands in a generator child; exits when the parent disconnects. */
export function serveCommands(handlers: Handlers): void {
  if (!process.send) throw new Error('a generator must be started with an IPC channel')
  process.on('disconnect', () => process.exit(0))
  process.on('message', (raw: unknown) => {
    const { id, cmd, args } = raw as Request
    const handler = handlers[cmd]
    const send = (reply: Reply): void => void process.send?.(reply)
    if (!handler) return send({ id, error: `unknown command ${cmd}` })
    Promise.resolve()
      .then(() => handler(args as never))
      .then(
        (result) => send({ id, result: result ?? null }),
        (err: unknown) =>
          send({ id, error: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
      )
  })
}

/** The first line of an error, for tables and logs. */
export function firstLine(err: unknown): string {
  return err instanceof Error ? (err.message.split('\n')[0] ?? '') : String(err)
}

/**
 * Runs `run` for each contender in turn; a failure becomes `failed(contender, message)` so one
 * broken peer never stops the others.
 */
export async function runEach<C, R>(
  contenders: C[],
  run: (c: C) => Promise<R>,
  failed: (c: C, message: string) => R,
  log: (s: string) => void,
): Promise<R[]> {
  const results: R[] = []
  for (const c of contenders) {
    try {
      results.push(await run(c))
    } catch (err) {
      log(`  failed: ${firstLine(err)}`)
      results.push(failed(c, firstLine(err)))
    }
  }
  return results
}
