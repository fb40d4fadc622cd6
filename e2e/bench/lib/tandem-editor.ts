// A Tandem editor for S2/S5: the engine's client half (shared/sync/client.ts) over the thin
// Bayeux client, with the browser client's cadence (web/client/sync-client.ts): one request in
// flight, a 25 ms batch after typing, at once on a push hint, adaptive idle polling, and the
// CometD remote call `mobwrite` with `{q}` → `{a}` (DESIGN §4).
import {
  applyAnswer,
  buildRequest,
  createClientView,
  type ClientView,
} from '../../../shared/sync/client.ts'
import { computeSyncInterval, defaultTiming } from '../../../web/client/timing.ts'
import { createBayeuxClient, type BayeuxClient } from './bayeux-client.ts'
import type { Editor, EditorOptions } from './editor.ts'
import { scanTokens, tokenId } from './tokens.ts'

const batchDelayMs = 25
const requestTimeoutMs = 15_000

/** Ranges of the new text that a MobWrite answer inserted into, or null for "scan it all". */
export function insertedRanges(answer: string): [number, number][] | null {
  const ranges: [number, number][] = []
  for (const line of answer.split('\n')) {
    const kind = line[0]
    if (kind === 'R' || kind === 'r') return null
    if ((kind !== 'd' && kind !== 'D') || line[1] !== ':') continue
    const delta = line.slice(line.indexOf(':', 2) + 1)
    let pos = 0
    for (const op of delta.split('\t')) {
      if (op[0] === '=') pos += Number(op.slice(1))
      else if (op[0] === '+') {
        const length = decodeURI(op.slice(1)).length
        ranges.push([pos, pos + length])
        pos += length
      }
    }
  }
  return ranges
}

/** Connects a Tandem editor on `options.doc` (one MobWrite view, user `options.user`). */
export function createTandemEditor(options: EditorOptions): Editor {
  const file = options.doc
  let view: ClientView = createClientView(file)
  let text = ''
  let client: BayeuxClient | null = null
  let inFlight = false
  let again = false
  let timer: ReturnType<typeof setTimeout> | undefined
  let dueAt = Infinity
  let intervalMs = defaultTiming.minIntervalMs
  let isClosed = false
  let synced = false
  let syncedCount = 0
  let syncs = 0
  let built = 0
  let pendingTokens: string[] = []
  let sentTokens: string[] = []
  const acked: string[] = []
  const waiters: { after: number; resolve: () => void }[] = []

  const schedule = (delayMs: number): void => {
    if (isClosed || Date.now() + delayMs >= dueAt) return
    clearTimeout(timer)
    dueAt = Date.now() + delayMs
    timer = setTimeout(run, delayMs)
  }

  function run(): void {
    dueAt = Infinity
    if (isClosed || !client?.isConnected) return
    if (inFlight) {
      again = true
      return
    }
    const next = buildRequest(options.user, [view], new Map([[file, text]]))
    view = next.views[0] ?? view
    sentTokens = sentTokens.concat(pendingTokens)
    const hadLocal = pendingTokens.length > 0
    pendingTokens = []
    inFlight = true
    syncs++
    const serial = ++built
    client.call('/service/mobwrite', { q: next.request }, requestTimeoutMs).then(
      (data) => receive(data, hadLocal, serial),
      () => fail(),
    )
  }

  function receive(data: unknown, hadLocal: boolean, serial: number): void {
    inFlight = false
    if (isClosed) return
    const answer = (data as { a?: unknown } | null)?.a
    if (typeof answer !== 'string') return fail()
    const out = applyAnswer(answer, [view], new Map([[file, text]]))
    view = out.views[0] ?? view
    const result = out.results.get(file)
    if (result && result.errors.length === 0) acked.push(...sentTokens.map(tokenId))
    else pendingTokens = sentTokens.concat(pendingTokens)
    sentTokens = []
    if (result?.textChanged) {
      text = result.text
      const ranges = insertedRanges(answer)
      if (ranges === null) scanTokens(text, options.onToken)
      else for (const [from, to] of ranges) scanTokens(text, options.onToken, from - 64, to + 64)
      options.onRemoteChange?.()
    }
    if (!synced) {
      synced = true
      options.onSynced?.(++syncedCount)
    }
    for (let i = waiters.length - 1; i >= 0; i--) {
      const w = waiters[i]
      if (w && serial > w.after) {
        waiters.splice(i, 1)
        w.resolve()
      }
    }
    intervalMs = computeSyncInterval(
      intervalMs,
      defaultTiming,
      hadLocal,
      result?.serverChanged ?? false,
    )
    schedule(again || pendingTokens.length > 0 || waiters.length > 0 ? batchDelayMs : intervalMs)
    again = false
  }

  function fail(): void {
    inFlight = false
    pendingTokens = sentTokens.concat(pendingTokens)
    sentTokens = []
    schedule(defaultTiming.minIntervalMs)
  }

  void createBayeuxClient({
    url: options.url,
    transport: 'websocket',
    ext: { tandem: { token: '', name: options.user } },
    reconnect: options.reconnect,
    onMessage: (channel, data) => {
      const files = (data as { sync?: unknown } | null)?.sync
      if (channel === '/service/mobwrite' && Array.isArray(files) && files.includes(file))
        schedule(0)
    },
    onConnected: () => {
      // A new session after a restart: in sync again only after one answered request.
      synced = false
      inFlight = false
      schedule(0)
    },
  }).then(
    (c) => {
      client = c
      if (isClosed) c.close()
      else schedule(0)
    },
    () => {},
  )

  return {
    text: () => text,
    insert(pos, s) {
      text = text.slice(0, pos) + s + text.slice(pos)
      pendingTokens.push(s)
      schedule(batchDelayMs)
    },
    isSynced: () => synced && client?.isConnected === true,
    settle: () =>
      new Promise<void>((resolve) => {
        waiters.push({ after: built, resolve })
        schedule(0)
        setTimeout(resolve, requestTimeoutMs)
      }),
    close() {
      isClosed = true
      clearTimeout(timer)
      client?.close()
    },
    ackedTokens: () => acked,
    stats: () => ({ syncs, bytes: client ? client.bytes.sent + client.bytes.received : 0 }),
  }
}
