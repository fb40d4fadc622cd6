// A test server with the operations layer wired as main.ts wires it (server/ops): edge checks,
// health, metrics, admin, runtime controls, ended documents. Real server on port 0.

import { type Config, defaultConfig } from '../config.ts'
import { createOps, type Ops } from '../ops/ops.ts'
import { startTestServer, type TestServer } from './harness.ts'

/** The admin token of {@link startOpsServer} servers. */
export const adminToken = 'test-admin-token-0123456789'

/** A running server plus its operations layer. */
export interface OpsServer {
  readonly srv: TestServer
  readonly ops: Ops
  /** Runs `fn` at teardown before the server closes (clients disconnect first). */
  cleanup(fn: () => Promise<unknown> | unknown): void
  /** fetch() against the server with the admin token. */
  admin(path: string, body?: unknown): Promise<{ status: number; json: unknown }>
}

/** Starts a server with ops; `configure` edits the config (applied before ops is made). */
export async function startOpsServer(
  t: { after: (fn: () => Promise<void> | void) => void },
  configure: (config: Config) => void = () => {},
): Promise<OpsServer> {
  const setup = (config: Config) => {
    config.ops.adminToken = adminToken
    config.bayeux.timeoutMs = 2_000
    configure(config)
  }
  const config = structuredClone(defaultConfig)
  setup(config)
  const ops = createOps(config)
  const srv = await startTestServer({
    configure: setup,
    sync: { checkName: (file) => ops.checkName(file) },
    plugins: [ops.plugin],
    bayeuxGuards: [ops.httpGuard],
  })
  const cleanups: Array<() => Promise<unknown> | unknown> = []
  t.after(async () => {
    for (const fn of cleanups.reverse()) await fn()
    await srv.close()
  })
  const admin = async (path: string, body?: unknown) => {
    const res = await fetch(`${srv.url}/admin${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    return { status: res.status, json: await res.json() }
  }
  return { srv, ops, admin, cleanup: (fn) => void cleanups.push(fn) }
}
