// How many views each identity holds (issue 14 finding 3: one address or token could open views
// without end, each kept for sync.viewExpiryMs). Counted in memory per token user or anonymous
// address (server/auth/owner.ts identityGroupOf) from the stored views, read once on start and
// then kept current by every change the sync service makes: no store scan per request.

import { identityGroupOf } from '../auth/owner.ts'
import type { ViewOwner, ViewRef } from '../store/store.ts'
import { viewKey } from './engine.ts'

/** Views held per identity; see the module header. */
export interface ViewQuota {
  /** Most views one identity may hold (sync.maxViewsPerIdentity); 0: no limit, nothing counted. */
  readonly max: number
  /** Views the identity of owner key `owner` holds now (0 for an unbound view). */
  held(owner: string): number
  /** Records views as now stored: `put` ones count for their owner, `removed` ones no longer. */
  record(put: readonly ViewOwner[], removed: readonly ViewRef[]): void
  /** Counts again from the store (after a failed commit, when memory was read back). */
  reload(): void
}

/** Creates the counter over the views `load` lists (the store's), and loads them now. */
export function createViewQuota(max: number, load: () => readonly ViewOwner[]): ViewQuota {
  const groupOfView = new Map<string, string>()
  const counts = new Map<string, number>()
  const add = (group: string, by: number) => {
    const next = (counts.get(group) ?? 0) + by
    if (next > 0) counts.set(group, next)
    else counts.delete(group)
  }
  const forget = (key: string) => {
    const group = groupOfView.get(key)
    if (group === undefined) return
    groupOfView.delete(key)
    add(group, -1)
  }
  const put = (view: ViewOwner) => {
    const key = viewKey(view.user, view.file)
    const group = identityGroupOf(view.owner)
    if (groupOfView.get(key) === group) return
    forget(key)
    if (group === undefined) return
    groupOfView.set(key, group)
    add(group, 1)
  }
  const quota: ViewQuota = {
    max,
    held(owner) {
      const group = identityGroupOf(owner)
      return group === undefined ? 0 : (counts.get(group) ?? 0)
    },
    record(putViews, removed) {
      if (max <= 0) return
      for (const ref of removed) forget(viewKey(ref.user, ref.file))
      for (const view of putViews) put(view)
    },
    reload() {
      groupOfView.clear()
      counts.clear()
      if (max > 0) for (const view of load()) put(view)
    },
  }
  quota.reload()
  return quota
}
