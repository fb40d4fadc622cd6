// What the pure sync engine needs to know about the requester for one request: its trusted
// handle, its access to each file (ACL) and the other live views of a file (`C:` lines).
// Reads the store; decides nothing about text.

import { ErrorCode, type SyncError } from '../../shared/errors.ts'
import type { AccessLevel, Store } from '../store/store.ts'
import type { AccessControl } from './acl.ts'
import type { Identity } from './identity.ts'
import { mayUseView, viewOwnerOf } from './owner.ts'

/** One live view of a file as a `C:` line shows it (Mozilla MobWrite, mobwrite-notes §1.3). */
export interface Collaborator {
  /** The view's MobWrite user id (`u:`); the engine uses it to leave out the requester's own view. */
  readonly user: string
  /** The trusted handle (`name:ip`) of the view's owner. */
  readonly handle: string
  /** The view's metadata from its last `m:` line (JSON text), or null. */
  readonly meta: string | null
}

/** Facts about one requester, valid for one request. */
export interface RequestFacts {
  /** The requester's trusted handle, inserted as `h:` (network `h:`/`H:` lines are dropped). */
  readonly handle: string
  /** The requester's access to `file`. */
  access(file: string): AccessLevel
  /** The live views of `file` (idle ones left out); empty when the requester has no access. */
  collaborators(file: string): Collaborator[]
  /** Why `file` is not an acceptable document name, or undefined (see names.ts). */
  checkName(file: string): SyncError | undefined
  /** The owner key views this requester opens get (owner.ts). */
  readonly owner: string
  /** Whether this requester may use a view bound to `owner` (owner.ts). */
  mayUse(owner: string): boolean
}

/** Dependencies of {@link createRequestFacts}. */
export interface FactsDeps {
  readonly store: Store
  readonly access: AccessControl
  /** Views idle for longer than this are not collaborators (`sync.viewExpiryMs`). */
  readonly viewExpiryMs: number
  readonly now?: () => number
  /** Name validation (auth's `checkDocName`); default: every name is accepted. */
  readonly checkName?: (file: string) => SyncError | undefined
  /** Whether a push session is still live (owner.ts); default: none is. */
  readonly isSessionLive?: (sessionId: string) => boolean
}

/**
 * The facts for one request by `identity`. Rules are read once per request, so every file of
 * one request is judged by the same rules; a view idle past the expiry drops out of `C:` even
 * before the sweeper removes it.
 */
export function createRequestFacts(
  deps: FactsDeps,
  identity: Identity,
  sessionId?: string,
): RequestFacts {
  const accessOf = deps.access.snapshot(identity)
  const cache = new Map<string, AccessLevel>()
  const access = (file: string) => {
    let level = cache.get(file)
    if (level === undefined) cache.set(file, (level = accessOf(file)))
    return level
  }
  const requester = { identity, ...(sessionId === undefined ? {} : { sessionId }) }
  const isSessionLive = deps.isSessionLive ?? (() => false)
  return {
    handle: identity.handle,
    owner: viewOwnerOf(requester),
    mayUse: (owner) => mayUseView(owner, requester, isSessionLive),
    checkName: (file) => {
      const problem = deps.checkName?.(file)
      // Issue 14 finding 11: "ended" is news only to those who may read the document; anyone
      // else gets the access refusal any name they may not read gets (the engine asks next).
      const isHidden = problem?.code === ErrorCode.ERR_DOC_ENDED && access(file) === 'none'
      return isHidden ? undefined : problem
    },
    access,
    collaborators(file) {
      if (access(file) === 'none') return []
      const oldestMs = (deps.now ?? Date.now)() - deps.viewExpiryMs
      return deps.store
        .listViewSummaries(file)
        .filter((view) => view.lastSeenMs >= oldestMs)
        .map(({ user, handle, meta }) => ({ user, handle, meta }))
    },
  }
}
