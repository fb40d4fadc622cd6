// Who to push to: which Bayeux session currently speaks for which MobWrite user id, and which
// users hold a view of which file. In memory only: after a restart it fills again from the
// clients' next requests. Batches push notices per session (DESIGN §4: debounce, never the author).

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
  /** Records that `sessionId` now speaks for `users` (a view follows its user, not a session). */
  bindUsers(sessionId: string, users: Iterable<string>): void
  /** Records views that exist (`put`) or ended (`removed`) after a commit. */
  trackViews(
    put: Iterable<{ user: string; file: string }>,
    removed: Iterable<{ user: string; file: string }>,
  ): void
  /** Forgets a session (it disconnected or expired); its users keep their views. */
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
  const sessionOfUser = new Map<string, string>()
  const usersOfSession = new Map<string, Set<string>>()
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
    bindUsers(sessionId, users) {
      for (const user of users) {
        const previous = sessionOfUser.get(user)
        if (previous !== undefined && previous !== sessionId)
          usersOfSession.get(previous)?.delete(user)
        sessionOfUser.set(user, sessionId)
        const mine = usersOfSession.get(sessionId) ?? new Set<string>()
        usersOfSession.set(sessionId, mine.add(user))
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
      }
    },
    dropSession(sessionId) {
      for (const user of usersOfSession.get(sessionId) ?? []) {
        if (sessionOfUser.get(user) === sessionId) sessionOfUser.delete(user)
      }
      usersOfSession.delete(sessionId)
      const entry = pending.get(sessionId)
      if (entry) clearTimeout(entry.timer)
      pending.delete(sessionId)
    },
    notify(files, author) {
      for (const file of files) {
        for (const user of viewersOfFile.get(file) ?? []) {
          const sessionId = sessionOfUser.get(user)
          if (sessionId === undefined || sessionId === author.sessionId) continue
          if (author.users.has(user)) continue
          queue(sessionId, file)
        }
      }
    },
    viewers(file) {
      const users = viewersOfFile.get(file) ?? []
      return new Map([...users].map((user) => [user, sessionOfUser.get(user)]))
    },
    close() {
      for (const entry of pending.values()) clearTimeout(entry.timer)
      pending.clear()
    },
  }
}
