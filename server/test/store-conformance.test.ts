// Runs the Store conformance suite against every backend: MemoryStore, SQLite in memory and
// SQLite on a temp file (STYLE §4.7 d).

import { after } from 'node:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describeStoreConformance } from '../store/conformance.ts'
import { createMemoryStore } from '../store/memory.ts'
import { openSqliteStore } from '../store/sqlite.ts'

const dir = mkdtempSync(join(tmpdir(), 'tandem-store-'))
after(() => rmSync(dir, { recursive: true, force: true }))
let files = 0

describeStoreConformance('MemoryStore', createMemoryStore)
describeStoreConformance('SqliteStore :memory:', () => openSqliteStore({ path: ':memory:' }))
describeStoreConformance('SqliteStore file', () =>
  openSqliteStore({ path: join(dir, `nested/db${++files}.db`) }),
)
describeStoreConformance('SqliteStore file, synchronous full', () =>
  openSqliteStore({ path: join(dir, `full${++files}.db`), synchronous: 'full' }),
)
