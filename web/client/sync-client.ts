// The browser's MobWrite sync loop (mobwrite-notes §3.2) over a CometD connection: immediate sync
// after local edits (batched while typing) and on push hints, adaptive idle polling as a safety
// net, backoff on failure, and the same user id across reconnects so the server resumes each view.
// The diff-sync state machine itself is pure and lives in shared/sync/client.ts.

import { ErrorCode, SyncError } from '../../shared/errors.ts'
import { applyAnswer, buildRequest } from '../../shared/sync/client.ts'
import {
  createConnection,
  deniedPrefix,
  type Connection,
  type ConnectionState,
} from './connection.ts'
import { computeSyncInterval, createUserId, type SyncTiming, defaultTiming } from './timing.ts'
import type { ShareHandler } from './share-handlers.ts'
import {
  applyFileResult,
  createSharedFile,
  endSharedFile,
  reopenSharedFile,
  type SharedFile,
} from './shared-file.ts'

export { endedMessage } from './shared-file.ts'

/** Options for {@link createSyncClient}. */
export interface SyncClientOptions extends Partial<SyncTiming> {
  /** Base URL of the Tandem server; defaults to the page's origin. */
  readonly server?: string
  /** Bearer token (handshake `ext.tandem.token`). */
  readonly token?: string
  /** Display name (handshake `ext.tandem.name`). */
  readonly name?: string
  /** Use this connection instead of a new CometD one (tests). */
  readonly connection?: Connection
}

/** A running sync client: share objects with it, watch its state, close it. */
export interface SyncClient {
  /** This client's MobWrite user id (`u:`); stays the same across reconnects. */
  readonly userId: string
  /** The connection state. */
  readonly state: ConnectionState
  /** Start syncing `handler`; returns a function that stops (and closes the server view). */
  share(handler: ShareHandler): () => void
  /** Sync now instead of at the next tick. */
  syncNow(): void
  /** Sync a document again after an administrator ended it (`reportEnded`); else nothing. */
  reopen(file: string): void
  /** Listen for connection state changes; returns a function that stops listening. */
  onState(listener: (state: ConnectionState) => void): () => void
  /** Close every view on the server (`x:all`), then disconnect. */
  close(): Promise<void>
}

/** Create a sync client and connect it. */
export function createSyncClient(options: SyncClientOptions = {}): SyncClient {
  // Long by design: one closure owns the loop's state (timer, in-flight flag, shared objects);
  // each step of the loop is a short inner function (schedule, run, receive, fail).
  const timing: SyncTiming = { ...defaultTiming, ...options }
  const connection =
    options.connection ??
    createConnection({
      server: options.server ?? globalThis.location.origin,
      token: options.token,
      name: options.name,
    })
  const userId = createUserId()
  const shared = new Map<string, SharedFile>()
  const closing = new Set<string>()
  let intervalMs = timing.minIntervalMs
  let timer: ReturnType<typeof setTimeout> | undefined
  let dueAt = Infinity
  // No request before this time: the server's retryAfterMs after a rate-limited request.
  let holdUntil = 0
  let inFlight = false
  let again = false
  let failures = 0
  let isClosed = false
  // The server's reason for refusing the handshake, told to objects shared later too.
  let denial: string | null = null

  // Run the loop after `delayMs` (and not before `holdUntil`), unless it is already due sooner.
  const schedule = (requestedMs: number): void => {
    const delayMs = Math.max(requestedMs, holdUntil - Date.now())
    if (isClosed || Date.now() + delayMs >= dueAt) return
    clearTimeout(timer)
    dueAt = Date.now() + delayMs
    timer = setTimeout(run, delayMs)
  }

  const currentTexts = (): Map<string, string> =>
    new Map([...shared].map(([file, s]) => [file, s.handler.getClientText()]))

  // Ended documents sit out of requests and answers until reopened.
  const syncing = (): SharedFile[] => [...shared.values()].filter((s) => !s.isEnded)

  const collectMeta = (entries: readonly SharedFile[]): Map<string, string> => {
    const meta = new Map<string, string>()
    for (const s of entries) {
      const value = s.handler.getMetaData?.()
      if (value != null) meta.set(s.handler.file, value)
    }
    return meta
  }

  // One request in flight per client (MobWrite syncRun1_/syncRun2_); later edits wait for it.
  function run(): void {
    dueAt = Infinity
    const entries = syncing()
    if (isClosed || (entries.length === 0 && closing.size === 0)) return
    if (connection.state !== 'connected') return // the state listener resumes the loop
    if (inFlight) {
      again = true
      return
    }
    const built = buildRequest(
      userId,
      entries.map((s) => s.view),
      currentTexts(),
      {
        meta: collectMeta(entries),
        close: [...closing],
      },
    )
    // The built views hold the new edits on their stack: keep them even if the answer is lost.
    entries.forEach((s, i) => {
      s.view = built.views[i] ?? s.view
      s.sentSeq = s.localSeq
    })
    closing.clear()
    inFlight = true
    const hadLocalChanges = entries.some((s) => s.isDirty)
    connection.call(built.request, timing.requestTimeoutMs).then(
      (answer) => receive(answer, hadLocalChanges),
      (error: unknown) => fail(error),
    )
  }

  function receive(answer: string, hadLocalChanges: boolean): void {
    inFlight = false
    try {
      applyAnswerText(answer, hadLocalChanges)
      failures = 0
    } catch (error) {
      // A bad answer or a throwing callback must not stop the loop (MobWrite's did): report, retry.
      console.error('Tandem: could not apply an answer', error)
      fail(error)
    }
  }

  function applyAnswerText(answer: string, hadLocalChanges: boolean): void {
    const entries = syncing()
    const { views, results } = applyAnswer(
      answer,
      entries.map((s) => s.view),
      currentTexts(),
    )
    let serverChanged = false
    entries.forEach((s, i) => {
      s.view = views[i] ?? s.view
      const result = results.get(s.handler.file)
      if (!result) return
      serverChanged ||= result.serverChanged
      applyFileResult(s, result)
    })
    intervalMs = computeSyncInterval(intervalMs, timing, hadLocalChanges, serverChanged)
    const hasNewEdits = entries.some((s) => s.localSeq !== s.sentSeq)
    schedule(again || hasNewEdits ? timing.batchDelayMs : intervalMs)
    again = false
  }

  function fail(error: unknown): void {
    inFlight = false
    again = false
    // Rate limited: the server changed nothing and said when to come back. The edits stay on
    // the views' stacks and go out then; this is flow control, not a failure to report.
    if (error instanceof SyncError && error.code === ErrorCode.ERR_RATE_LIMITED) {
      const backoffMs = timing.batchDelayMs * 2 ** Math.min(failures, 10)
      failures += 1
      const waitMs = Math.min(timing.maxBackoffMs, Math.max(error.retryAfterMs ?? 0, backoffMs))
      // Typing and push hints during the wait must not bring the retry forward.
      holdUntil = Date.now() + waitMs
      schedule(waitMs)
      return
    }
    failures += 1
    // While disconnected the connection state tells the story; a failure on a live connection
    // (timeout, refused request) is worth a recoverable error.
    if (connection.state === 'connected') {
      const message = error instanceof Error ? error.message : String(error)
      for (const s of syncing()) s.handler.raiseError?.(message, true)
    }
    schedule(Math.min(timing.maxBackoffMs, timing.minIntervalMs * 2 ** failures))
  }

  const unState = connection.onState((state, reason) => {
    if (state === 'connected') schedule(0)
    if (state === 'disconnected' && reason.startsWith(deniedPrefix)) {
      denial = reason.slice(deniedPrefix.length)
      for (const s of shared.values()) s.handler.raiseError?.(denial, false)
    }
  })
  const unPush = connection.onPush((files) => {
    if (files.some((file) => shared.has(file))) schedule(0)
  })
  const unEnded = connection.onEnded((file) => {
    const s = shared.get(file)
    if (s) endSharedFile(s)
  })
  connection.start()

  const stopSharing = (file: string): void => {
    const s = shared.get(file)
    if (!s) return
    s.stopListening()
    shared.delete(file)
    closing.add(file)
    schedule(0)
  }

  return {
    userId,
    get state() {
      return connection.state
    },
    share(handler) {
      const { file } = handler
      if (shared.has(file)) throw new RangeError(`Document "${file}" is already shared`)
      const s = createSharedFile(handler, () => schedule(timing.batchDelayMs))
      shared.set(file, s)
      closing.delete(file)
      if (denial !== null) handler.raiseError?.(denial, false)
      schedule(0)
      return () => {
        if (shared.get(file) === s) stopSharing(file)
      }
    },
    syncNow: () => schedule(0),
    reopen(file) {
      const s = shared.get(file)
      if (!s?.isEnded) return
      // The server closed the view: start a new one, as a first share does (raw dump, `r:`).
      reopenSharedFile(s)
      schedule(0)
    },
    onState(listener) {
      return connection.onState((state) => listener(state))
    },
    async close() {
      if (isClosed) return
      for (const file of [...shared.keys()]) stopSharing(file)
      isClosed = true
      clearTimeout(timer)
      unState()
      unPush()
      unEnded()
      if (connection.state === 'connected' && !inFlight) {
        const { request } = buildRequest(userId, [], new Map(), { close: ['all'] })
        await connection.call(request, 1_000).catch(() => undefined)
      }
      await connection.close()
    },
  }
}
