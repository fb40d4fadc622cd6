// Per-document serialization: a request runs only when no earlier request that touches one of
// its documents is still running. Requests on other documents run independently. No I/O.
//
//   run(['a'])      ──run──┐
//   run(['a', 'b'])        └─wait─ run ──┐
//   run(['b'])                           └─wait─ run
//   run(['c'])      ──run── (independent)

/** Serializes work by key (document name). */
export interface KeyedLock {
  /**
   * Runs `fn` once every earlier run sharing a key with `keys` has settled, and holds those keys
   * until `fn`'s result settles. Starts `fn` synchronously when all keys are free.
   */
  run<T>(keys: readonly string[], fn: () => T | Promise<T>): Promise<T>
  /** Keys currently held or awaited (for tests and metrics). */
  readonly size: number
}

/** Creates an empty {@link KeyedLock}. */
export function createKeyedLock(): KeyedLock {
  // The last pending run per key. Every run registers itself on all its keys at call time, so a
  // run waits only on earlier runs: the wait graph has no cycles and cannot deadlock.
  const tails = new Map<string, Promise<void>>()

  function register(keys: readonly string[]): { waitFor: Promise<void>[]; release: () => void } {
    let release!: () => void
    const done = new Promise<void>((resolve) => (release = resolve))
    const waitFor: Promise<void>[] = []
    for (const key of new Set(keys)) {
      const tail = tails.get(key)
      if (tail) waitFor.push(tail)
      tails.set(key, done)
    }
    const unregister = () => {
      for (const key of keys) if (tails.get(key) === done) tails.delete(key)
      release()
    }
    return { waitFor, release: unregister }
  }

  async function runHeld<T>(fn: () => T | Promise<T>, release: () => void): Promise<T> {
    try {
      return await fn()
    } finally {
      release()
    }
  }

  return {
    run<T>(keys: readonly string[], fn: () => T | Promise<T>): Promise<T> {
      const { waitFor, release } = register(keys)
      if (waitFor.length === 0) return runHeld(fn, release)
      return Promise.all(waitFor).then(() => runHeld(fn, release))
    },
    get size() {
      return tails.size
    },
  }
}
