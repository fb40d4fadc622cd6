// Group commit: the changes staged while the event loop runs one tick are written in ONE
// transaction, once, at `setImmediate` (or as soon as the group holds `maxSize` of them, or when
// the store must write or read the file for another reason), and each stager learns only then
// whether its change is durable. So an answer that waits for its stage never describes state
// a crash could lose, and requests of one tick share one transaction's fixed cost.
//
//   stage(a) stage(b) stage(c)   ← one tick: memory already shows a, b, c
//   ───────────────────────────── setImmediate: write([a, b, c]) in one transaction
//   a, b, c resolve (or all three reject: nothing of them was written)

/** Collects items and writes them together; see the module header. */
export interface CommitGroup<T> {
  /** Adds `item` to the open group (opening one); resolves once the group has been written. */
  add(item: T): Promise<void>
  /**
   * Writes the open group now (nothing when none is open). A failure rejects the group's
   * stagers, not the caller: after `flush()` the file holds every change staged before it or
   * memory has been brought back in step by `failed`.
   */
  flush(): void
  /** Whether a group is open (items staged, not yet written). */
  readonly isOpen: boolean
}

/** Options of {@link createCommitGroup}. */
export interface CommitGroupOptions<T> {
  /** Writes every item of one group in one transaction; throws if nothing was written. */
  readonly write: (items: readonly T[]) => void
  /** After a write: the group's items are durable (done) or were not written (`err`). */
  readonly settled: (items: readonly T[], err?: unknown) => void
  /** The error each stager of a failed group is rejected with. */
  readonly failure: (err: unknown) => Error
  /** Most items in one group; the item that fills it writes the group at once. */
  readonly maxSize: number
}

interface Waiter {
  readonly resolve: () => void
  readonly reject: (err: Error) => void
}

/** Creates an empty group writer. */
export function createCommitGroup<T>(options: CommitGroupOptions<T>): CommitGroup<T> {
  if (!Number.isInteger(options.maxSize) || options.maxSize < 1) {
    throw new RangeError(`A commit group holds at least 1 change, got ${options.maxSize}`)
  }
  let items: T[] = []
  let waiters: Waiter[] = []
  let timer: NodeJS.Immediate | undefined

  function flush(): void {
    if (timer) clearImmediate(timer)
    timer = undefined
    if (items.length === 0) return
    const group = items
    const waiting = waiters
    items = []
    waiters = []
    try {
      options.write(group)
    } catch (err) {
      options.settled(group, err)
      const error = options.failure(err)
      for (const w of waiting) w.reject(error)
      return
    }
    options.settled(group)
    for (const w of waiting) w.resolve()
  }

  return {
    add(item) {
      const done = new Promise<void>((resolve, reject) => waiters.push({ resolve, reject }))
      items.push(item)
      if (items.length >= options.maxSize) flush()
      else timer ??= setImmediate(flush)
      return done
    },
    flush,
    get isOpen() {
      return items.length > 0
    },
  }
}
