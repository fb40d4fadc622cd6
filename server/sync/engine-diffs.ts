// The server → client edit of a sync (§2.4 generateDiffs) for the latest few (shadow, text)
// pairs: views that sync right after the same change hold the same shadow (often the very same
// string, a document revision kept by the store), so the diff is computed once, not once per
// view. Deterministic, so the engine stays a pure function of its inputs.

import { toDelta } from '../../shared/mobwrite/delta.ts'
import { diffHunks } from '../../shared/sync/diff.ts'

interface Entry {
  readonly from: string
  readonly to: string
  readonly delta: string
}

/** How many pairs are kept; texts over {@link maxCachedChars} are never kept. */
const maxEntries = 8
const maxCachedChars = 256 * 1024

const entries: Entry[] = []

/** The delta (`=3\t+x…`) that turns `from` into `to`, computed within `timeoutSec`. */
export function deltaBetween(from: string, to: string, timeoutSec: number): string {
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i] as Entry
    if (e.from.length !== from.length || e.to.length !== to.length) continue
    if (e.from !== from || e.to !== to) continue
    if (i > 0) entries.unshift(...entries.splice(i, 1))
    return e.delta
  }
  const delta = toDelta(from, diffHunks(from, to, { timeoutSec }))
  if (from.length + to.length <= maxCachedChars) {
    entries.unshift({ from, to, delta })
    if (entries.length > maxEntries) entries.pop()
  }
  return delta
}
