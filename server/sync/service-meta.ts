// Caret push: notices when a view's `m:` metadata (its caret, shown to others through `C:`)
// changed, throttled per file. The engine result carries views without their metadata, so the
// new value is read back from the store, and only for requests that sent an `m:` line.

import type { Store, ViewRef } from '../store/store.ts'

/** Options of {@link createMetaWatch}. */
export interface MetaWatchOptions {
  readonly store: Pick<Store, 'getViews'>
  /** At most one notice per file per period; 0 switches the watch off. */
  readonly intervalMs: number
  /** Tells the viewers of `file` to sync, except `author` (a session id) when given. */
  readonly notify: (file: string, author: string | undefined) => void
  readonly now: () => number
}

/** Watches views' metadata; see the module header. */
export interface MetaWatch {
  /** After a committed request: compares the metadata of `views` with what it last saw. */
  observe(text: string, views: readonly ViewRef[], author: string | undefined): void
  /** Forgets closed or expired views. */
  forget(views: Iterable<ViewRef>): void
  /** Cancels pending notices. */
  close(): void
}

// `m:` starts a line of the request (mobwrite-notes §6.4); cheap enough to test on every request.
const hasMetaLine = (text: string): boolean => text.startsWith('m:') || text.includes('\nm:')

const keyOf = (ref: ViewRef): string => `${ref.user}\n${ref.file}`

/** Creates the watch; it holds the last metadata of each view this process saw. */
export function createMetaWatch(options: MetaWatchOptions): MetaWatch {
  const metaOf = new Map<string, string | null>()
  const lastAt = new Map<string, number>()
  const timers = new Map<string, NodeJS.Timeout>()

  // Throttle per file: at once if the period passed, else one notice at its end. That one skips
  // the author only when a single session moved meanwhile (others must see each other move).
  const pending = new Map<string, Set<string | undefined>>()
  const changed = (file: string, author: string | undefined): void => {
    const authors = pending.get(file)
    if (authors) return void authors.add(author)
    const waitMs = (lastAt.get(file) ?? -Infinity) + options.intervalMs - options.now()
    if (waitMs <= 0) {
      lastAt.set(file, options.now())
      return options.notify(file, author)
    }
    pending.set(file, new Set([author]))
    const timer = setTimeout(() => {
      const moved = [...(pending.get(file) ?? [])]
      pending.delete(file)
      timers.delete(file)
      lastAt.set(file, options.now())
      options.notify(file, moved.length === 1 ? moved[0] : undefined)
    }, waitMs)
    timer.unref()
    timers.set(file, timer)
  }

  return {
    observe(text, views, author) {
      if (options.intervalMs <= 0 || views.length === 0 || !hasMetaLine(text)) return
      for (const view of options.store.getViews(views)) {
        const key = keyOf(view)
        const before = metaOf.get(key)
        metaOf.set(key, view.meta)
        // A view seen for the first time is a new collaborator, pushed for that already.
        if (before !== undefined && before !== view.meta) changed(view.file, author)
      }
    },
    forget(views) {
      for (const view of views) metaOf.delete(keyOf(view))
    },
    close() {
      for (const timer of timers.values()) clearTimeout(timer)
      timers.clear()
      pending.clear()
    },
  }
}
