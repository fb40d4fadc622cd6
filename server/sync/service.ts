// The sync service: the one entry point for MobWrite requests from every transport (Bayeux
// `/service/mobwrite`, raw gateways), plus the server-side API the rest of Tandem uses (read and
// list documents, live views, close views, change events) and idle-view expiry. The engine
// step and the commit happen in document.ts; the Bayeux binding lives in service-bayeux.ts.

import { ErrorCode, SyncError } from '../../shared/errors.ts'
import type { DocumentState } from '../../shared/sync/types.ts'
import { createRequestFacts } from '../auth/facts.ts'
import type { RateScope } from '../auth/request-limit.ts'
import type { BayeuxServer } from '../bayeux/types.ts'
import { defaultConfig, type SyncServiceConfig } from '../config.ts'
import { log, logException } from '../log.ts'
import type {
  AccessLevel,
  DocumentSummary,
  ListDocumentsOptions,
  Store,
  ViewSummary,
} from '../store/store.ts'
import { createDocumentRunner, type RequestFacts, type StepOutcome } from './document.ts'
import type { SyncIdentity } from './document.ts'
import { engineOptionsOf, type EngineOptions } from './engine.ts'
import { bayeuxPush, bindMobwrite, type IdentifySession } from './service-bayeux.ts'
import { createMetaWatch } from './service-meta.ts'
import { createLiveSessions, createPushTracker } from './service-push.ts'
import { createViewQuota } from './view-quota.ts'

export type { RequestFacts, SyncIdentity } from './document.ts'

/** A change to a document's text (or its deletion), emitted after it was committed. */
export interface DocumentChange {
  readonly file: string
  /** The committed revision; for a deletion, the revision the document had. */
  readonly revision: number
  /** Handle of the identity whose request changed it (`name:ip`), or 'server' for admin calls. */
  readonly author: string
  readonly isDeleted: boolean
}

/** A view of a document as collaborator lists show it. */
export interface LiveView extends ViewSummary {
  /** Whether a live session (Bayeux or `/mobwrite` socket) speaks for this view's user id. */
  readonly isConnected: boolean
}

/** Where a request came from: the session push notices reach, if any. */
export interface RequestOrigin {
  readonly sessionId?: string
}

/**
 * What reaches a push session on `/service/mobwrite` (or a `/mobwrite` socket): a hint that
 * files changed (DESIGN §4), or that an administrator ended a document (README "Administration").
 */
export type PushNotice = { readonly sync: string[] } | { readonly ended: string }

/** Delivers a push notice to a session it knows; false when the session is not its own. */
export type PushRoute = (sessionId: string, notice: PushNotice) => boolean

/** Options of {@link createSyncService}. */
export interface SyncServiceOptions {
  readonly store: Store
  /** Overrides of the engine's limits, which come from `config` (server/config.ts `sync`). */
  readonly engineOptions?: Partial<EngineOptions>
  /** View expiry, sweep period, push debounce and engine limits; defaults from server/config.ts. */
  readonly config?: Partial<SyncServiceConfig>
  /** Serve /service/mobwrite on this Bayeux server and push to its sessions. */
  readonly bayeux?: BayeuxServer
  /** Identity of a Bayeux session; default: the one auth attached, else anonymous. */
  readonly identifySession?: IdentifySession
  /**
   * The requester's access per file, fixed for one request (auth's `access`); default: every
   * document is writable. Collaborator lists (`C:`) follow it and leave out idle views.
   */
  readonly access?: (identity: SyncIdentity) => (file: string) => AccessLevel
  /**
   * Checks a Bayeux request before it runs (auth's `checkRequest`: revoked token, rate limit,
   * with `rateClient` naming the session); a refusal fails the call with an answer and changes
   * nothing. Gateways run their own `rateLimit` and are not guarded twice.
   */
  readonly guard?: (identity: SyncIdentity & RateScope) => SyncError | undefined
  /**
   * Whether an identity still stands (auth's `isCurrent`: its token is not revoked); default:
   * always. A push session whose identity no longer stands gets no notice (issue 14 finding 8).
   */
  readonly isCurrent?: (identity: SyncIdentity) => boolean
  /** Refuses unacceptable document names with `E:` (auth's `checkDocName`); default: none. */
  readonly checkName?: (file: string) => SyncError | undefined
  /** Longest `u:` id a Bayeux request may name (gateway.maxUserIdChars, as on the gateways). */
  readonly maxUserIdChars?: number
  /** The clock; injectable for tests. */
  readonly now?: () => number
}

/** The sync service. Create one per store; see the module header. */
export interface SyncService {
  /**
   * Runs one MobWrite request (the text protocol as on the TCP gateway) as `identity` and
   * resolves with the answer once its state is committed. The answer is the engine's text as
   * the daemon wrote it: lines ending in `\n`, no terminating blank line (empty answer `''`);
   * HTTP/TCP gateways append the blank line. `h:`/`H:` lines in `text` are ignored.
   * @throws SyncError ERR_STORE_UNAVAILABLE when the commit failed (nothing changed and no
   * answer exists, so the client resends), ERR_INTERNAL on an unexpected failure.
   */
  handle(text: string, identity: SyncIdentity, origin?: RequestOrigin): Promise<string>
  /** The stored document, or undefined. */
  readDocument(file: string): DocumentState | undefined
  /** Stored documents without their text. */
  listDocuments(opts?: ListDocumentsOptions): DocumentSummary[]
  /** The views of `file` (collaborators), each flagged with whether its session is live. */
  listLiveViews(file: string): LiveView[]
  /** Closes one view (as `x:<file>` would); false when it did not exist. */
  closeView(user: string, file: string): Promise<boolean>
  /** Closes every view of `file`; resolves with how many were closed. */
  closeViews(file: string): Promise<number>
  /** Deletes a document and its views (admin action); false when there was nothing. */
  deleteDocument(file: string): Promise<boolean>
  /** Expires views idle longer than `viewExpiryMs` now; returns how many. Runs on a timer too. */
  sweep(): number
  /** Listens to committed changes; returns an unsubscriber. Listener errors are logged. */
  on(event: 'change', listener: (change: DocumentChange) => void): () => void
  /** Adds a push route tried before Bayeux delivery (the `/mobwrite` WebSocket gateway). */
  addPushRoute(route: PushRoute): () => void
  /** Sends `notice` to one push session: through the first route that takes it, else Bayeux. */
  sendNotice(sessionId: string, notice: PushNotice): void
  /** Forgets a session (it disconnected or expired); its views stay. */
  dropSession(sessionId: string): void
  /** Push sessions (Bayeux clientIds, `mobwrite-ws:` ids) that speak for a view of `file`. */
  viewerSessions(file: string): string[]
  /** Changes `viewExpiryMs` at run time (admin); idle views and `C:` lists follow at once. */
  setViewExpiryMs(ms: number): void
  /** Stops the sweep timer and pending pushes, unbinds Bayeux. The store stays open. */
  close(): void
}

function asSyncError(err: unknown): SyncError {
  if (err instanceof SyncError) return err
  logException('sync request failed', err)
  return new SyncError(ErrorCode.ERR_INTERNAL, 'The server failed to handle the request', true)
}

/** Creates the sync service and starts its sweep timer. */
export function createSyncService(options: SyncServiceOptions): SyncService {
  const { store } = options
  const config: SyncServiceConfig = { ...defaultConfig.sync, ...options.config }
  const now = options.now ?? Date.now
  const accessOf = options.access ?? (() => () => 'write' as const)
  const accessControl = {
    snapshot: accessOf,
    accessFor: (who: SyncIdentity, file: string) => accessOf(who)(file),
  }
  const factsDeps = {
    store,
    access: accessControl,
    viewExpiryMs: config.viewExpiryMs,
    now,
    ...(options.checkName ? { checkName: options.checkName } : {}),
    isSessionLive: (sessionId: string) => liveSessions.has(sessionId),
  }
  // Sessions that sent a request and have not ended: their anonymous views are theirs alone.
  const liveSessions = createLiveSessions()
  const facts = (identity: SyncIdentity, origin: RequestOrigin): RequestFacts =>
    createRequestFacts(factsDeps, identity, origin.sessionId)
  // Views per identity (issue 14 finding 3), counted from the store once, then kept current.
  const viewQuota = createViewQuota(config.maxViewsPerIdentity, () => store.listViewOwners())
  const runner = createDocumentRunner({
    store,
    engineOptions: { ...engineOptionsOf(config), ...options.engineOptions },
    now,
    viewQuota,
  })
  const listeners = new Set<(change: DocumentChange) => void>()
  const routes: PushRoute[] = []
  const toBayeux = options.bayeux ? bayeuxPush(options.bayeux) : undefined
  const sendNotice = (sessionId: string, notice: PushNotice): void => {
    if (!routes.some((route) => route(sessionId, notice))) toBayeux?.(sessionId, notice)
  }
  // Who each push session speaks as, so a notice names only files it may still see: a revoked
  // token gets none, a rule turned to `none` drops that file (issue 14 finding 8).
  const sessionIdentities = new Map<string, SyncIdentity>()
  const isCurrent = options.isCurrent ?? (() => true)
  const deliverSync = (sessionId: string, files: string[]) => {
    const who = sessionIdentities.get(sessionId)
    if (who && !isCurrent(who)) return
    const accessOfFile = who ? accessOf(who) : () => 'write'
    const visible = files.filter((file) => accessOfFile(file) !== 'none')
    if (visible.length > 0) sendNotice(sessionId, { sync: visible })
  }
  const push = createPushTracker({ deliver: deliverSync, debounceMs: config.pushDebounceMs })
  const metaWatch = createMetaWatch({
    store,
    intervalMs: config.metaPushIntervalMs,
    now,
    notify: (file, sessionId) => push.notify([file], { sessionId, users: new Set() }),
  })

  function emit(change: DocumentChange): void {
    for (const listener of listeners) {
      try {
        listener(change)
      } catch (err) {
        logException('change listener failed', err, { file: change.file })
      }
    }
  }

  function publish(outcome: StepOutcome, author: string, origin: RequestOrigin): void {
    // Only views the request used (its own: the engine refuses others) follow its session.
    if (origin.sessionId !== undefined) push.bindViews(origin.sessionId, outcome.putViews)
    // A view that opens or closes changes the file's collaborator list (`C:`): its other
    // viewers sync at once instead of waiting for a poll (issue 6).
    const opened = outcome.putViews.filter((v) => !push.viewers(v.file).has(v.user))
    push.trackViews(outcome.putViews, outcome.removedViews)
    metaWatch.forget(outcome.removedViews)
    const files = new Set([
      ...outcome.changed.map((d) => d.file),
      ...outcome.deleted.map((d) => d.file),
      ...[...opened, ...outcome.removedViews].map((v) => v.file),
    ])
    push.notify([...files], { sessionId: origin.sessionId, users: outcome.users })
    for (const { file, revision } of outcome.changed) {
      emit({ file, revision, author, isDeleted: false })
    }
    for (const { file, revision } of outcome.deleted)
      emit({ file, revision, author, isDeleted: true })
  }

  async function handle(text: string, identity: SyncIdentity, origin: RequestOrigin = {}) {
    let outcome: StepOutcome
    if (origin.sessionId !== undefined) {
      liveSessions.touch(origin.sessionId)
      if (liveSessions.has(origin.sessionId)) sessionIdentities.set(origin.sessionId, identity)
    }
    try {
      outcome = await runner.run(text, facts(identity, origin))
    } catch (err) {
      throw asSyncError(err)
    }
    publish(outcome, identity.handle, origin)
    // Moved carets (`m:`) reach the other viewers' `C:` lines at their next sync: push one.
    metaWatch.observe(text, outcome.putViews, origin.sessionId)
    return outcome.answer
  }

  // Views that ended outside a request (closed by the server, expired): the remaining viewers'
  // collaborator lists changed, so they get a push notice.
  const viewsEnded = (refs: readonly { user: string; file: string }[]) => {
    viewQuota.record([], refs)
    runner.forget(refs)
    push.trackViews([], refs)
    metaWatch.forget(refs)
    push.notify([...new Set(refs.map((r) => r.file))], { sessionId: undefined, users: new Set() })
  }

  const closeRefs = (refs: { user: string; file: string }[]) => {
    store.commit({ deleteViews: refs })
    viewsEnded(refs)
    return refs.length
  }

  function sweep(): number {
    const expired = store.expireViews(now() - config.viewExpiryMs)
    viewsEnded(expired)
    if (expired.length > 0) log.debug('views expired', { count: expired.length })
    return expired.length
  }

  const timer = setInterval(() => {
    try {
      sweep()
    } catch (err) {
      logException('view sweep failed', err)
    }
  }, config.sweepIntervalMs)
  timer.unref()

  const service: SyncService = {
    handle,
    readDocument: (file) => store.getDocument(file),
    listDocuments: (opts) => store.listDocuments(opts),
    listLiveViews(file) {
      const sessions = push.viewers(file)
      return store
        .listViewSummaries(file)
        .map((v) => ({ ...v, isConnected: sessions.get(v.user) !== undefined }))
    },
    closeView: (user, file) =>
      runner.withDocuments([file], () => closeRefs(store.getViews([{ user, file }])) > 0),
    closeViews: (file) =>
      runner.withDocuments([file], () =>
        closeRefs(store.listViewSummaries(file).map(({ user }) => ({ user, file }))),
      ),
    deleteDocument: (file) =>
      runner.withDocuments([file], () => {
        const revision = store.getDocument(file)?.revision ?? 0
        const viewers = store.listViewSummaries(file).map(({ user }) => ({ user, file }))
        const existed = store.deleteDocument(file)
        viewQuota.record([], viewers)
        runner.forget(viewers)
        push.trackViews([], viewers)
        if (existed) emit({ file, revision, author: 'server', isDeleted: true })
        return existed
      }),
    sweep,
    on(event, listener) {
      if (event !== 'change') throw new RangeError(`Unknown sync service event ${String(event)}`)
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    addPushRoute(route) {
      routes.push(route)
      return () => {
        const at = routes.indexOf(route)
        if (at >= 0) routes.splice(at, 1)
      }
    },
    sendNotice,
    dropSession(sessionId) {
      liveSessions.end(sessionId)
      sessionIdentities.delete(sessionId)
      push.dropSession(sessionId)
    },
    viewerSessions: (file) =>
      [...new Set(push.viewers(file).values())].filter((id): id is string => id !== undefined),
    setViewExpiryMs(ms) {
      if (!Number.isFinite(ms) || ms <= 0)
        throw new RangeError(`viewExpiryMs must be > 0, got ${ms}`)
      config.viewExpiryMs = ms
      factsDeps.viewExpiryMs = ms
    },
    close() {
      clearInterval(timer)
      push.close()
      metaWatch.close()
      unbind()
    },
  }
  const unbind = options.bayeux
    ? bindMobwrite(options.bayeux, service, {
        identify: options.identifySession,
        guard: options.guard,
        userIds: {
          maxChars: options.maxUserIdChars ?? defaultConfig.gateway.maxUserIdChars,
          maxPerSession: config.maxUserIdsPerSession,
        },
      })
    : () => {}
  return service
}
