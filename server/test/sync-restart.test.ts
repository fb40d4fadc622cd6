// Restart test (DESIGN §7): a client keeps its local text and view while the server stops and
// starts again on the same database and port; the official CometD client handshakes again by
// itself and the client goes on with deltas: no full-text resend either way.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { createApp, type App } from '../app.ts'
import { defaultConfig } from '../config.ts'
import { connect } from './auth-cometd.ts'
import { waitFor } from './harness.ts'
import { tempDir } from './sync-helpers.ts'
import { createSimClient, tokensIn } from './sync-sim.ts'

async function listen(dbPath: string, port: number): Promise<App> {
  const config = structuredClone(defaultConfig)
  config.http = { port, host: '127.0.0.1' }
  config.store.dbPath = dbPath
  config.bayeux = { ...config.bayeux, timeoutMs: 2_000 }
  const app = createApp({ config, sync: {} })
  await new Promise<void>((resolve, reject) => {
    app.server.once('error', reject)
    app.server.listen(port, '127.0.0.1', () => resolve())
  })
  return app
}

test('a client resumes its view across a server restart', { timeout: 30_000 }, async (t) => {
  const dbPath = join(tempDir(t, 'tandem-restart-'), 'tandem.db')
  let app = await listen(dbPath, 0)
  t.after(() => app.close())
  const { port } = app.server.address() as AddressInfo
  const conn = await connect(`http://127.0.0.1:${port}/bayeux`, { transport: 'websocket' })
  t.after(() => conn.disconnect())
  let handshakes = 1
  conn.cometd.addListener('/meta/handshake', (m) => void (m.successful && handshakes++))
  const client = createSimClient('keeper', 'kept', (q, ms) => conn.request(q, ms))
  await client.sync()
  for (let i = 0; i < 3; i++) {
    client.insert(Math.random)
    assert.equal(await client.sync(), true)
  }

  await app.close()
  // Typing goes on while the server is down; those syncs fail and the edits stay stacked.
  client.insert(Math.random)
  assert.equal(await client.sync(500), false)
  client.insert(Math.random)
  app = await listen(dbPath, port)

  await waitFor(() => client.sync(1_000), { timeoutMs: 15_000 })
  assert.ok(handshakes >= 2, 'CometD handshook again')
  assert.equal(app.sync?.readDocument('kept')?.text, client.text)
  assert.equal(tokensIn(client.text).length, 5)
  assert.equal(client.acked.size, 5)
  assert.equal(client.stats.serverResyncs, 0, 'the server sent no full text')
  assert.equal(client.stats.clientResyncs, 1, 'only the first sync uploaded the whole text')
})
