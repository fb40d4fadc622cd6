// The browser sync loop against a real server (auth + sync service on SQLite, port 0), through
// the official CometD client in Node. Widgets are in-memory share handlers.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { adapt } from 'cometd-nodejs-client'
import { startAuthServer } from '../../server/test/auth-server.ts'
import { waitFor } from '../../server/test/harness.ts'
import { startOpsServer } from '../../server/test/ops-harness.ts'
import { createConnection, type Connection } from './connection.ts'
import { createSyncClient, endedMessage, type SyncClient } from './sync-client.ts'
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
    await waitFor(() => wa.text === wb.text && wa.text.length === 40, { timeoutMs: 10_000 }).catch(
      (err: unknown) => {
        throw new Error(`not converged: ${JSON.stringify([wa.text, wb.text])}`, { cause: err })
      },
    )
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

test(
  'an ended document raises an error, leaves the requests, and syncs again after reopen',
  { timeout: 20_000 },
  async (t) => {
    const s = await startOpsServer(t, (c) => (c.ops.endedDocumentMs = 300))
    const calls: string[] = []
    const real = createConnection({ server: s.srv.url, name: 'Ann' })
    const connection: Connection = {
      ...real,
      get state() {
        return real.state
      },
      call: (request, timeoutMs) => (calls.push(request), real.call(request, timeoutMs)),
    }
    const a = createSyncClient({ connection, ...fast })
    const b = client(t, s.srv.url, 'Ben')
    s.cleanup(() => a.close())
    const [pad, other, padB, otherB] = ['pad', 'other', 'pad', 'other'].map(memoryWidget)
    let ended = 0
    a.share({ ...pad!, reportEnded: () => void (ended += 1) })
    a.share(other!)
    b.share(padB!)
    b.share(otherB!)
    pad!.type('hello')
    await waitFor(() => padB!.text === 'hello', { timeoutMs: 10_000 })

    const result = await s.admin('/documents/end', { file: 'pad' })
    assert.deepEqual(result.json, { closedViews: 2, notifiedSessions: 2 })
    await waitFor(() => ended === 1 && padB!.errors.includes(endedMessage), { timeoutMs: 5_000 })
    assert.deepEqual(pad!.errors, [endedMessage])
    const sentBefore = calls.length
    pad!.type(' ignored')
    other!.type('still syncing')
    await waitFor(() => otherB!.text === 'still syncing', { timeoutMs: 10_000 })
    assert.ok(!calls.slice(sentBefore).some((r) => r.includes(':pad\n')), 'pad left the requests')

    await waitFor(async () => {
      const status = (await s.admin('/status')).json as { endedDocuments: string[] }
      return status.endedDocuments.length === 0
    })
    a.reopen('pad')
    await waitFor(() => s.srv.app.sync?.listLiveViews('pad').length === 1, { timeoutMs: 5_000 })
    pad!.type('!')
    await waitFor(() => s.srv.app.sync?.readDocument('pad')?.text?.endsWith('!') === true, {
      timeoutMs: 5_000,
    })
    assert.equal(ended, 1)
  },
)

test(
  'rate limited: the client waits the advised time, retries, and loses no keystroke',
  { timeout: 30_000 },
  async (t) => {
    // A setting under test: a tiny per-client budget, so typing runs into it at once.
    const s = await startAuthServer(t, { auth: { rateBurst: 2, ratePerSecond: 4 } })
    // Every request the server checks: when, and the retry delay it advised if it refused.
    const checks: { atMs: number; isRefused: boolean; retryAfterMs: number | undefined }[] = []
    const check = s.auth.checkRequest.bind(s.auth)
    s.auth.checkRequest = (identity) => {
      const refused = check(identity)
      const isRefused = refused?.code === 'ERR_RATE_LIMITED'
      checks.push({ atMs: Date.now(), isRefused, retryAfterMs: refused?.retryAfterMs })
      return refused
    }
    const a = client(t, s.srv.url, 'Ann')
    const widget = memoryWidget('limited')
    a.share(widget)
    await waitFor(() => a.state === 'connected', { timeoutMs: 5_000 })
    let typed = ''
    for (let i = 0; i < 30; i++) {
      const key = String.fromCharCode(97 + (i % 26))
      typed += key
      widget.type(key)
      await new Promise((resolve) => setTimeout(resolve, 20)) // typing pace
    }
    await waitFor(() => s.sync.readDocument('limited')?.text === typed, { timeoutMs: 20_000 })
    assert.equal(widget.text, typed)
    const refusals = checks.filter((c) => c.isRefused)
    assert.ok(refusals.length > 0, 'the limit was hit')
    assert.ok(
      refusals.every((c) => c.retryAfterMs !== undefined),
      'each refusal says when to retry',
    )
    // After each refusal the next request waited the advised time, typing notwithstanding.
    const early = checks.filter(({ atMs, retryAfterMs }, i) => {
      const next = checks[i + 1]
      return retryAfterMs !== undefined && next !== undefined && next.atMs < atMs + retryAfterMs
    })
    assert.deepEqual(early, [], 'no retry came before its advised time')
    assert.deepEqual(widget.errors, [], 'flow control is not an error')
  },
)
