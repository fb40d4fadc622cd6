// The browser sync loop against a real server (auth + sync service on SQLite, port 0), through
// the official CometD client in Node. Widgets are in-memory share handlers.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { adapt } from 'cometd-nodejs-client'
import { startAuthServer } from '../../server/test/auth-server.ts'
import { waitFor } from '../../server/test/harness.ts'
import { createSyncClient, type SyncClient } from './sync-client.ts'
import type { Collaborator, ShareHandler } from './share-handlers.ts'

adapt()

interface MemoryWidget extends ShareHandler {
  text: string
  type(more: string): void
  readonly errors: string[]
  collaborators: readonly Collaborator[]
  readOnly: boolean
}

function memoryWidget(file: string): MemoryWidget {
  const listeners = new Set<() => void>()
  const widget: MemoryWidget = {
    file,
    mergeChanges: true,
    text: '',
    errors: [],
    collaborators: [],
    readOnly: false,
    getClientText: () => widget.text,
    setClientText: (text) => void (widget.text = text),
    patchClientText: (text) => void (widget.text = text),
    onLocalChange(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    type(more) {
      widget.text += more
      for (const listener of listeners) listener()
    },
    raiseError: (message) => void widget.errors.push(message),
    reportCollaborators: (list) => void (widget.collaborators = list),
    setReadOnly: (value) => void (widget.readOnly = value),
  }
  return widget
}

const fast = { minIntervalMs: 100, maxIntervalMs: 300, batchDelayMs: 5 }

function client(
  t: { after: (fn: () => unknown) => void },
  url: string,
  name: string,
  token?: string,
): SyncClient {
  const c = createSyncClient({ server: url, name, token, ...fast })
  t.after(() => c.close())
  return c
}

test(
  'two clients converge on concurrent typing and see each other',
  { timeout: 20_000 },
  async (t) => {
    const { srv } = await startAuthServer(t)
    const a = client(t, srv.url, 'Ann')
    const b = client(t, srv.url, 'Ben')
    const wa = memoryWidget('notes')
    const wb = memoryWidget('notes')
    a.share(wa)
    b.share(wb)
    await waitFor(() => a.state === 'connected' && b.state === 'connected', { timeoutMs: 5_000 })
    for (let i = 0; i < 20; i++) {
      wa.type('a')
      wb.type('b')
      await new Promise((resolve) => setImmediate(resolve))
    }
    await waitFor(() => wa.text === wb.text && wa.text.length === 40, { timeoutMs: 10_000 })
    assert.equal(wa.text.replace(/b/g, ''), 'a'.repeat(20))
    assert.equal(wa.text.replace(/a/g, ''), 'b'.repeat(20))
    await waitFor(() => wa.collaborators.some((c) => c.handle.startsWith('~Ben:')))
    assert.deepEqual(wa.errors, [])
  },
)

test(
  'a refused handshake reaches raiseError and leaves the client disconnected',
  { timeout: 10_000 },
  async (t) => {
    const { srv } = await startAuthServer(t)
    const c = client(t, srv.url, 'Mallory', 'no-such-token')
    const widget = memoryWidget('notes')
    c.share(widget)
    await waitFor(() => widget.errors.length > 0, { timeoutMs: 5_000 })
    assert.match(widget.errors[0] ?? '', /token/i)
    assert.equal(c.state, 'disconnected')
  },
)

test(
  'read-only access is reported and local edits do not reach the document',
  { timeout: 15_000 },
  async (t) => {
    const { srv } = await startAuthServer(t, { auth: { defaultAccess: 'read' } })
    const c = client(t, srv.url, 'Rita')
    const widget = memoryWidget('notes')
    c.share(widget)
    await waitFor(() => widget.readOnly, { timeoutMs: 5_000 })
    widget.type('nope')
    await waitFor(() => widget.text === '', { timeoutMs: 5_000 })
  },
)
