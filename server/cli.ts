// `tandem` admin CLI: tokens and ACL rules in the same SQLite file a running server uses (WAL
// lets both open it; the server re-reads rules per request and looks tokens up per handshake,
// so changes apply at once). A second entry point beside main.ts, so it reads argv and env.

import { pathToFileURL } from 'node:url'
import { SyncError } from '../shared/errors.ts'
import { defaultConfig } from './config.ts'
import { checkPattern, isAccessLevel, resolveAccess } from './auth/acl.ts'
import { checkPrincipalName, reservedPrincipals } from './auth/names.ts'
import { issueToken, listTokens, revokeTokens } from './auth/tokens.ts'
import { openSqliteStore } from './store/sqlite.ts'
import type { Store } from './store/store.ts'

/** Exit codes of the CLI. */
export const ExitCode = { Ok: 0, Failed: 1, Usage: 2 } as const

/** Where the CLI writes; tests pass collectors. */
export interface CliIo {
  readonly out: (line: string) => void
  readonly err: (line: string) => void
  readonly env: Readonly<Record<string, string | undefined>>
}

/** The usage text printed by `tandem help` and after a usage error. */
export const usage = `Usage: npm run tandem -- [--db <file>] <command>

Tokens (a token is shown once; only its SHA-256 is stored):
  token add <user>                      issue a token for <user>
  token list                            list tokens (id, user, created, revoked)
  token revoke <user|token-id>          revoke all tokens of <user>, or one token by id

Access rules (pattern: exact name, prefix ending in *, or *; principal: user, anonymous or *):
  grant <pattern> <principal> <write|read|none>   add or replace a rule
  revoke <pattern> <principal>                    remove a rule
  rules | list                                    list rules
  access <document> <user|anonymous>              show the access a principal gets

Running server (over HTTP with the admin token; see \`admin help\`):
  admin status | push on|off | timeout <ms> | expiry <ms> | sessions | documents | ...

The database is --db <file>, else $TANDEM_DB, else ${defaultConfig.store.dbPath}. The server may
be running: changes apply to its next request. Exit codes: 0 ok, 1 failed, 2 usage error.`

class UsageError extends Error {}

type Command = (store: Store, args: readonly string[], io: CliIo) => number

function expectArgs(args: readonly string[], count: number, shape: string): void {
  if (args.length !== count) throw new UsageError(`Expected: ${shape}`)
}

function checkRulePrincipal(principal: string): void {
  const problem = reservedPrincipals.has(principal) ? undefined : checkPrincipalName(principal)
  if (problem !== undefined) throw new UsageError(problem)
}

function checkRulePattern(pattern: string): void {
  const problem = checkPattern(pattern, defaultConfig.auth.maxDocNameChars)
  if (problem !== undefined) throw new UsageError(problem)
}

const isoTime = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString())

const tokenCommands: Record<string, Command> = {
  add(store, args, io) {
    expectArgs(args, 1, 'token add <user>')
    const issued = issueToken(store, args[0] ?? '')
    io.out(`Token for ${issued.name} (id ${issued.id}); shown only now, keep it secret:`)
    io.out(issued.token)
    return ExitCode.Ok
  },
  list(store, args, io) {
    expectArgs(args, 0, 'token list')
    const tokens = listTokens(store)
    if (tokens.length === 0) io.out('No tokens.')
    for (const t of tokens) {
      io.out(`${t.id}  ${t.name}  created ${isoTime(t.createdMs)}  revoked ${isoTime(t.revokedMs)}`)
    }
    return ExitCode.Ok
  },
  revoke(store, args, io) {
    expectArgs(args, 1, 'token revoke <user|token-id>')
    const count = revokeTokens(store, args[0] ?? '')
    if (count === 0) {
      io.err(`No valid token matches "${args[0]}".`)
      return ExitCode.Failed
    }
    io.out(`Revoked ${count} token${count === 1 ? '' : 's'}.`)
    return ExitCode.Ok
  },
}

function listRules(store: Store, args: readonly string[], io: CliIo): number {
  expectArgs(args, 0, 'rules')
  const rules = store.listRules()
  if (rules.length === 0) io.out('No rules.')
  for (const r of rules) io.out(`${r.pattern}  ${r.principal}  ${r.access}`)
  io.out(
    `Documents no rule matches get the server's auth.defaultAccess (default: ${defaultConfig.auth.defaultAccess}).`,
  )
  return ExitCode.Ok
}

const commands: Record<string, Command> = {
  token(store, args, io) {
    const sub = tokenCommands[args[0] ?? '']
    if (!sub) throw new UsageError('Expected: token add|list|revoke ...')
    return sub(store, args.slice(1), io)
  },
  grant(store, args, io) {
    expectArgs(args, 3, 'grant <pattern> <principal> <write|read|none>')
    const [pattern = '', principal = '', access] = args
    checkRulePattern(pattern)
    checkRulePrincipal(principal)
    if (!isAccessLevel(access))
      throw new UsageError(`Access must be write, read or none, not "${access}"`)
    store.putRule({ pattern, principal, access, createdMs: Date.now() })
    io.out(`Granted ${access} on ${pattern} to ${principal}.`)
    return ExitCode.Ok
  },
  revoke(store, args, io) {
    expectArgs(args, 2, 'revoke <pattern> <principal>')
    const [pattern = '', principal = ''] = args
    if (!store.deleteRule(pattern, principal)) {
      io.err(`No rule for ${pattern} and ${principal}.`)
      return ExitCode.Failed
    }
    io.out(`Removed the rule for ${pattern} and ${principal}.`)
    return ExitCode.Ok
  },
  rules: listRules,
  list: listRules,
  access(store, args, io) {
    expectArgs(args, 2, 'access <document> <user|anonymous>')
    const [file = '', principal = ''] = args
    io.out(resolveAccess(store.listRules(), { principal }, file, defaultConfig.auth.defaultAccess))
    return ExitCode.Ok
  },
}

function splitDbOption(argv: readonly string[]): { db: string | undefined; rest: string[] } {
  const rest: string[] = []
  let db: string | undefined
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? ''
    if (arg === '--db') {
      db = argv[++i]
      if (db === undefined) throw new UsageError('--db needs a file path')
    } else if (arg.startsWith('--db=')) db = arg.slice(5)
    else rest.push(arg)
  }
  return { db, rest }
}

/** Runs one CLI command and returns its exit code; never throws. */
export function runCli(argv: readonly string[], io: CliIo): number {
  let store: Store | undefined
  try {
    const { db, rest } = splitDbOption(argv)
    const [name, ...args] = rest
    if (name === undefined) throw new UsageError('Missing command')
    if (name === 'help' || name === '--help' || name === '-h') {
      io.out(usage)
      return ExitCode.Ok
    }
    const command = commands[name]
    if (!command) throw new UsageError(`Unknown command "${name}"`)
    store = openSqliteStore({ path: db ?? io.env['TANDEM_DB'] ?? defaultConfig.store.dbPath })
    return command(store, args, io)
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`tandem: ${err.message}\n\n${usage}`)
      return ExitCode.Usage
    }
    io.err(`tandem: ${err instanceof SyncError ? `${err.code}: ${err.message}` : String(err)}`)
    return ExitCode.Failed
  } finally {
    store?.close()
  }
}

// Entry point: `tsx server/cli.ts ...` (npm run tandem -- ...), or the bundle `node dist/server/cli.js`.
// `admin ...` talks to a running server over HTTP (server/ops/admin-cli.ts), so it is async.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const argv = process.argv.slice(2)
  const io: CliIo = {
    out: (line) => process.stdout.write(line + '\n'),
    err: (line) => process.stderr.write(line + '\n'),
    env: process.env,
  }
  if (argv[0] === 'admin') {
    void import('./ops/admin-cli.ts')
      .then(({ runAdminCli }) => runAdminCli(argv.slice(1), io))
      .then((code) => (process.exitCode = code))
  } else process.exitCode = runCli(argv, io)
}
