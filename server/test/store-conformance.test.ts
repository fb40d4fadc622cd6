// Runs the Store conformance suite against every backend: MemoryStore, SQLite in memory and
// SQLite on a temp file (STYLE §4.7 d).

import { after } from 'node:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describeStoreConformance } from '../store/conformance.ts'
import { createMemoryStore } from '../store/memory.ts'
import { openSqliteStore, type SqliteStore } from '../store/sqlite.ts'
import type { Store } from '../store/store.ts'

const dir = mkdtempSync(join(tmpdir(), 'tandem-store-'))
after(() => rmSync(dir, { recursive: true, force: true }))
let files = 0

// A restart: the memory store keeps its maps; SQLite :memory: forgets what it holds in memory
// (the database stays), a file is closed and opened again.
const keep = (store: Store) => store
const forget = (store: Store) => {
  ;(store as SqliteStore).forgetCache()
  return store
}
const reopenFile = (store: Store) => {
  const { path, synchronous } = store as SqliteStore
  store.close()
  return openSqliteStore({ path, synchronous })
}

describeStoreConformance('MemoryStore', createMemoryStore, keep)
describeStoreConformance(
  'SqliteStore :memory:',
  () => openSqliteStore({ path: ':memory:' }),
  forget,
)
describeStoreConformance(
  'SqliteStore file',
  () => openSqliteStore({ path: join(dir, `nested/db${++files}.db`) }),
  reopenFile,
)
describeStoreConformance(
  'SqliteStore file, synchronous full',
  () => openSqliteStore({ path: join(dir, `full${++files}.db`), synchronous: 'full' }),
  reopenFile,
)
