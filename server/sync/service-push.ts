// Who to push to: which Bayeux session (or `/mobwrite` socket) last used which view, and which
// users hold a view of which file. A session is bound to a view only by a request that used it
// (the engine refuses views of other owners), never by naming its `u:` id (issue 14 finding 7:
// `u:<victim>\nx:unrelated` used to move the victim's pushes). In memory only: after a restart
// it fills again from the clients' next requests. Batches push notices per session (DESIGN §4:
// debounce, never the author).

import { viewKey } from './engine.ts'

/** The author of a change, so it is never pushed its own change. */
export interface PushAuthor {
  readonly sessionId: string | undefined
  readonly users: ReadonlySet<string>
}

/** Options of {@link createPushTracker}. */
export interface PushTrackerOptions {
  /** Sends one notice: the files that changed since the last notice to this session. */
  readonly deliver: (sessionId: string, files: string[]) => void
  /** How long notices to one session are batched after the first one. */
  readonly debounceMs: number
}

/** The push bookkeeping of the sync service. */
export interface PushTracker {
  /** Records that `sessionId` used these views (their owner's request): their pushes go there. */
  bindViews(sessionId: string, views: Iterable<{ user: string; file: string }>): void
  /** Records views that exist (`put`) or ended (`removed`) after a commit. */
  trackViews(
    put: Iterable<{ user: string; file: string }>,
    removed: Iterable<{ user: string; file: string }>,
  ): void
  /** Forgets a session (it disconnected or expired); its views stay. */
  dropSession(sessionId: string): void
  /** Queues a notice for every session with a live view of one of `files`, except the author. */
  notify(files: readonly string[], author: PushAuthor): void
  /** Users with a view of `file` known to this process, each with its session if it has one. */
  viewers(file: string): Map<string, string | undefined>
  /** Cancels pending notices. */
  close(): void
}

/** Creates an empty {@link PushTracker}. */
export function createPushTracker(options: PushTrackerOptions): PushTracker {
  const sessionOfView = new Map<string, string>()
  const viewsOfSession = new Map<string, Set<string>>()
  const viewersOfFile = new Map<string, Set<string>>()
  const pending = new Map<string, { files: Set<string>; timer: NodeJS.Timeout }>()

  const flush = (sessionId: string) => {
    const entry = pending.get(sessionId)
    pending.delete(sessionId)
    if (entry) options.deliver(sessionId, [...entry.files])
  }
  const queue = (sessionId: string, file: string) => {
    const entry = pending.get(sessionId)
    if (entry) return void entry.files.add(file)
    const timer = setTimeout(() => flush(sessionId), options.debounceMs)
    pending.set(sessionId, { files: new Set([file]), timer })
  }

  return {
    bindViews(sessionId, views) {
      for (const { user, file } of views) {
        const key = viewKey(user, file)
        const previous = sessionOfView.get(key)
        if (previous !== undefined && previous !== sessionId)
          viewsOfSession.get(previous)?.delete(key)
        sessionOfView.set(key, sessionId)
        const mine = viewsOfSession.get(sessionId) ?? new Set<string>()
        viewsOfSession.set(sessionId, mine.add(key))
      }
    },
    trackViews(put, removed) {
      for (const { user, file } of put) {
        viewersOfFile.set(file, (viewersOfFile.get(file) ?? new Set<string>()).add(user))
      }
      for (const { user, file } of removed) {
        const users = viewersOfFile.get(file)
        users?.delete(user)
        if (users?.size === 0) viewersOfFile.delete(file)
        const key = viewKey(user, file)
        const sessionId = sessionOfView.get(key)
        if (sessionId !== undefined) viewsOfSession.get(sessionId)?.delete(key)
        sessionOfView.delete(key)
      }
    },
    dropSession(sessionId) {
      for (const key of viewsOfSession.get(sessionId) ?? []) {
        if (sessionOfView.get(key) === sessionId) sessionOfView.delete(key)
      }
      viewsOfSession.delete(sessionId)
      const entry = pending.get(sessionId)
      if (entry) clearTimeout(entry.timer)
      pending.delete(sessionId)
    },
    notify(files, author) {
      for (const file of files) {
        for (const user of viewersOfFile.get(file) ?? []) {
          const sessionId = sessionOfView.get(viewKey(user, file))
          if (sessionId === undefined || sessionId === author.sessionId) continue
          if (author.users.has(user)) continue
          queue(sessionId, file)
        }
      }
    },
    viewers(file) {
      const users = viewersOfFile.get(file) ?? []
      return new Map([...users].map((user) => [user, sessionOfView.get(viewKey(user, file))]))
    },
    close() {
      for (const entry of pending.values()) clearTimeout(entry.timer)
      pending.clear()
    },
  }
}

/** Sessions that sent a request and have not ended (server/auth/owner.ts asks). */
export interface LiveSessions {
  has(sessionId: string): boolean
  /** A request arrived on `sessionId`; an ended session stays ended (ids are never reused). */
  touch(sessionId: string): void
  /** The session ended (disconnect, expiry, socket closed). */
  end(sessionId: string): void
}

// Ended ids are remembered so that a request still queued on a closed socket cannot make its
// session live again; the oldest are forgotten past this many.
const maxEndedSessions = 10_000

/** Creates an empty {@link LiveSessions}. */
export function createLiveSessions(): LiveSessions {
  const live = new Set<string>()
  const ended = new Set<string>()
  return {
    has: (sessionId) => live.has(sessionId),
    touch(sessionId) {
      if (!ended.has(sessionId)) live.add(sessionId)
    },
    end(sessionId) {
      live.delete(sessionId)
      ended.add(sessionId)
      if (ended.size > maxEndedSessions) ended.delete(ended.values().next().value as string)
    },
  }
}
