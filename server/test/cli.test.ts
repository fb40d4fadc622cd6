// The tandem CLI in-process against a temp SQLite file: commands, output, exit codes.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ExitCode, runCli } from '../cli.ts'
import { verifyToken } from '../auth/tokens.ts'
import { openSqliteStore } from '../store/sqlite.ts'

function setup(t: { after: (fn: () => void) => void }) {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-cli-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const db = join(dir, 'cli.db')
  const run = (...argv: string[]) => {
    const out: string[] = []
    const err: string[] = []
    const code = runCli(['--db', db, ...argv], {
      out: (l) => out.push(l),
      err: (l) => err.push(l),
      env: {},
    })
    return { code, out: out.join('\n'), err: err.join('\n') }
  }
  return { db, run }
}

test(
  'token add prints a secret once that verifies against the same file',
  { timeout: 20_000 },
  (t) => {
    const { db, run } = setup(t)
    const added = run('token', 'add', 'alice')
    assert.equal(added.code, ExitCode.Ok)
    const token = added.out.split('\n')[1] ?? ''
    const store = openSqliteStore({ path: db })
    t.after(() => store.close())
    assert.equal(verifyToken(store, token)?.name, 'alice')
    const listed = run('token', 'list')
    assert.match(listed.out, /^[0-9a-f]{12} {2}alice {2}created \S+ {2}revoked -$/)
    assert.equal(listed.out.includes(token), false, 'list never shows the secret')
    assert.equal(run('token', 'revoke', 'alice').out, 'Revoked 1 token.')
    assert.equal(verifyToken(store, token), undefined)
    assert.equal(run('token', 'revoke', 'alice').code, ExitCode.Failed)
  },
)

test('grant, rules, access and revoke manage rules', { timeout: 20_000 }, (t) => {
  const { run } = setup(t)
  assert.equal(run('grant', 'notes/*', 'alice', 'write').code, ExitCode.Ok)
  assert.equal(run('grant', '*', '*', 'none').code, ExitCode.Ok)
  assert.equal(run('grant', 'notes/*', 'anonymous', 'read').code, ExitCode.Ok)
  assert.match(
    run('rules').out,
    /^notes\/\* {2}alice {2}write\n\* {2}\* {2}none\nnotes\/\* {2}anonymous {2}read\n/,
  )
  assert.equal(run('list').out, run('rules').out)
  assert.equal(run('access', 'notes/x', 'alice').out, 'write')
  assert.equal(run('access', 'notes/x', 'anonymous').out, 'read')
  assert.equal(run('access', 'other', 'alice').out, 'none')
  assert.equal(run('revoke', 'notes/*', 'alice').code, ExitCode.Ok)
  assert.equal(run('access', 'notes/x', 'alice').out, 'none')
  const missing = run('revoke', 'notes/*', 'alice')
  assert.equal(missing.code, ExitCode.Failed)
  assert.match(missing.err, /No rule for notes\/\* and alice/)
})

test('usage errors exit 2 with the usage text', { timeout: 20_000 }, (t) => {
  const { run } = setup(t)
  const cases: [string[], RegExp][] = [
    [[], /Missing command/],
    [['bogus'], /Unknown command "bogus"/],
    [['grant', 'notes/*', 'alice', 'admin'], /Access must be write, read or none, not "admin"/],
    [['grant', 'a*b', 'alice', 'read'], /only have one \*, at the end/],
    [['grant', '../x', 'alice', 'read'], /\.\. segments/],
    [['grant', 'x', 'al ice', 'read'], /must start with a letter/],
    [['token'], /token add\|list\|revoke/],
    [['token', 'add'], /Expected: token add <user>/],
  ]
  for (const [argv, message] of cases) {
    const result = run(...argv)
    assert.equal(result.code, ExitCode.Usage, argv.join(' '))
    assert.match(result.err, message)
    assert.match(result.err, /Usage: npm run tandem/)
  }
  assert.equal(run('help').code, ExitCode.Ok)
  assert.equal(runCli(['--db'], { out: () => {}, err: () => {}, env: {} }), ExitCode.Usage)
  assert.equal(run('token', 'add', 'anonymous').code, ExitCode.Failed)
})
