// `npm run tandem -- admin <command>`: talks to a running server's /admin endpoints over HTTP
// with the admin token (--token or TANDEM_ADMIN_TOKEN; never printed). --url or TANDEM_URL
// names the server (default http://localhost:8080). For https with a private CA, set
// NODE_EXTRA_CA_CERTS.

import type { CliIo } from '../cli.ts'

/** The usage text of `tandem admin`. */
export const adminUsage = `Usage: npm run tandem -- admin [--url <url>] [--token <token>] <command>

  status                      push on/off, long-poll timeout, view expiry, ended documents
  push off | push on          deactivate push (clients poll) / reactivate it
  timeout <ms>                long-poll timeout from now on (at most the configured one)
  expiry <ms>                 view expiry from now on
  sessions                    list Bayeux sessions (id, transport, address, state)
  close-session <id>          close one session (its client re-handshakes)
  documents                   list documents (name, revision, length, views)
  end <document>              close every view of a document; its clients are told it ended

The token is --token, else $TANDEM_ADMIN_TOKEN; the server is --url, else $TANDEM_URL, else
http://localhost:8080. Exit codes: 0 ok, 1 failed, 2 usage error.`

class UsageError extends Error {}

type Call = (path: string, body?: unknown) => Promise<unknown>
type AdminCommand = (call: Call, args: readonly string[], io: CliIo) => Promise<void>

function ms(raw: string | undefined): number {
  const value = Number(raw)
  if (raw === undefined || !Number.isInteger(value) || value < 0) {
    throw new UsageError(`Expected a whole number of milliseconds, got "${raw ?? ''}"`)
  }
  return value
}

function one(args: readonly string[], shape: string): string {
  if (args.length !== 1 || !args[0]) throw new UsageError(`Expected: ${shape}`)
  return args[0]
}

const print = (io: CliIo, value: unknown) => io.out(JSON.stringify(value, null, 2))

const commands: Record<string, AdminCommand> = {
  status: async (call, _args, io) => print(io, await call('/status')),
  async push(call, args, io) {
    const mode = one(args, 'push on|off')
    if (mode !== 'on' && mode !== 'off') throw new UsageError('Expected: push on|off')
    print(io, await call(mode === 'on' ? '/push/activate' : '/push/deactivate', {}))
  },
  timeout: async (call, args, io) =>
    print(io, await call('/settings', { timeoutMs: ms(one(args, 'timeout <ms>')) })),
  expiry: async (call, args, io) =>
    print(io, await call('/settings', { viewExpiryMs: ms(one(args, 'expiry <ms>')) })),
  async sessions(call, _args, io) {
    const list = (await call('/sessions')) as Array<Record<string, unknown>>
    if (list.length === 0) io.out('No sessions.')
    for (const s of list) io.out(`${s.id}  ${s.transport ?? '-'}  ${s.remoteAddress}  ${s.state}`)
  },
  'close-session': async (call, args, io) =>
    print(io, await call('/sessions/close', { id: one(args, 'close-session <id>') })),
  async documents(call, _args, io) {
    const list = (await call('/documents')) as Array<Record<string, unknown>>
    if (list.length === 0) io.out('No documents.')
    for (const d of list) io.out(`${d.file}  r${d.revision}  ${d.length} chars  ${d.views} views`)
  },
  end: async (call, args, io) =>
    print(io, await call('/documents/end', { file: one(args, 'end <document>') })),
}

function splitOptions(argv: readonly string[]) {
  const options = new Map<string, string>()
  const rest: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? ''
    const name = ['--url', '--token'].find((n) => arg === n || arg.startsWith(`${n}=`))
    if (!name) rest.push(arg)
    else {
      const value = arg === name ? argv[++i] : arg.slice(name.length + 1)
      if (!value) throw new UsageError(`${name} needs a value`)
      options.set(name, value)
    }
  }
  return { options, rest }
}

function makeCall(url: string, token: string): Call {
  return async (path, body) => {
    const res = await fetch(`${url.replace(/\/$/, '')}/admin${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    const data: unknown = await res.json().catch(() => ({ message: res.statusText }))
    if (!res.ok) {
      const { code, message } = data as { code?: string; message?: string }
      throw new Error(`HTTP ${res.status}${code ? ` ${code}` : ''}: ${message ?? ''}`)
    }
    return data
  }
}

/** Runs one admin command against a running server; resolves with the exit code. */
export async function runAdminCli(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    const { options, rest } = splitOptions(argv)
    const [name, ...args] = rest
    if (name === undefined || name === 'help') {
      io.out(adminUsage)
      return name === undefined ? 2 : 0
    }
    const command = commands[name]
    if (!command) throw new UsageError(`Unknown admin command "${name}"`)
    const token = options.get('--token') ?? io.env['TANDEM_ADMIN_TOKEN']
    if (!token) throw new UsageError('No admin token: pass --token or set TANDEM_ADMIN_TOKEN')
    const url = options.get('--url') ?? io.env['TANDEM_URL'] ?? 'http://localhost:8080'
    await command(makeCall(url, token), args, io)
    return 0
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`tandem admin: ${err.message}\n\n${adminUsage}`)
      return 2
    }
    io.err(`tandem admin: ${err instanceof Error ? err.message : String(err)}`)
    return 1
  }
}
