// The README's "Error codes" table lists every code of shared/errors.ts, and nothing else.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { ErrorCode } from '../../shared/errors.ts'

test('README lists every error code once, with recoverability and where it appears', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
  const section = readme.split(/^## Error codes$/m)[1]?.split(/^## /m)[0] ?? ''
  const rows = section.split('\n').filter((line) => /^\| `ERR_/.test(line))
  const listed = rows.map((row) => /^\| `(ERR_[A-Z_]+)`/.exec(row)?.[1])
  assert.deepEqual([...listed].sort(), Object.values(ErrorCode).sort())
  for (const row of rows) assert.equal(row.split('|').length, 6, `four filled columns: ${row}`)
})
