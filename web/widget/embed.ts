// The embed widget (/embed.js): one script that shares a host page's <textarea>, <input>,
// contenteditable element or CodeMirror 6 view with a Tandem document (DESIGN §9).
// Bundled as an IIFE exposing the global `Tandem`.

import { createSyncClient, type SyncClient } from '../client/sync-client.ts'
import {
  createShareHandler,
  type CodeMirrorLike,
  type ShareHandler,
} from '../client/share-handlers.ts'
import { describeCollaborators, type Person } from '../client/collaborators.ts'
import type { ConnectionState } from '../client/connection.ts'

/** Options of {@link share}. */
export interface ShareOptions {
  /** Document name on the server. */
  readonly doc: string
  /** Tandem server base URL; defaults to the origin /embed.js was loaded from. */
  readonly server?: string
  /** Bearer token, if the server wants one. */
  readonly token?: string
  /** Display name others see (anonymous users). */
  readonly name?: string
  /** The other people on the document changed (the server leaves out this widget itself). */
  readonly onCollaborators?: (people: readonly Person[]) => void
  /** The server refused something or the sync failed. */
  readonly onError?: (message: string, isRecoverable: boolean) => void
  /** The document became read-only for this user, or writable again. */
  readonly onReadOnly?: (isReadOnly: boolean) => void
  /** The connection state changed. */
  readonly onStatus?: (state: ConnectionState) => void
  /** Local edits are waiting for the server (true) or all acknowledged (false). */
  readonly onDirty?: (isDirty: boolean) => void
  /** An administrator closed the document (after `onError`); `handle.reopen()` resumes. */
  readonly onEnded?: () => void
}

/** What {@link share} returns. */
export interface ShareHandle {
  /** The document name. */
  readonly doc: string
  /** Stop syncing this target (the other shares of the page go on). */
  unshare(): void
  /** Sync again after an administrator closed the document (`onEnded`). */
  reopen(): void
}

// The script's own origin, captured while it runs: the default server for `share`.
const scriptOrigin = ((): string => {
  const script = document.currentScript
  return script instanceof HTMLScriptElement && script.src
    ? new URL(script.src).origin
    : location.origin
})()

interface PooledClient {
  readonly client: SyncClient
  users: number
}

// One sync client (one Bayeux session, one request at a time) per server and identity.
const clients = new Map<string, PooledClient>()

/** A pooled client for this server and identity, and the function that gives it back. */
function acquire(
  server: string,
  token: string | undefined,
  name: string | undefined,
): { client: SyncClient; release: () => void } {
  const key = JSON.stringify([server, token ?? '', name ?? ''])
  let pooled = clients.get(key)
  if (!pooled) {
    const client = createSyncClient({ server, token, name })
    pooled = { client, users: 0 }
    clients.set(key, pooled)
    addEventListener('pagehide', () => void client.close())
  }
  const entry = pooled
  entry.users += 1
  const release = (): void => {
    entry.users -= 1
    if (entry.users > 0) return
    clients.delete(key)
    void entry.client.close()
  }
  return { client: entry.client, release }
}

function resolveTarget(target: string | Element | CodeMirrorLike): HTMLElement | CodeMirrorLike {
  if (typeof target !== 'string') return target as HTMLElement | CodeMirrorLike
  const el = document.querySelector(target)
  if (!(el instanceof HTMLElement)) throw new TypeError(`Tandem.share: nothing matches "${target}"`)
  return el
}

/**
 * Share `target` (an element, a CSS selector, or a CodeMirror `EditorView`) with document
 * `options.doc`. Returns a handle whose `unshare()` stops syncing.
 * @throws TypeError when the target cannot be shared.
 */
export function share(
  target: string | Element | CodeMirrorLike,
  options: ShareOptions,
): ShareHandle {
  if (!options || typeof options.doc !== 'string' || options.doc === '') {
    throw new TypeError('Tandem.share: options.doc (the document name) is required')
  }
  const resolved = resolveTarget(target)
  const { client, release } = acquire(options.server ?? scriptOrigin, options.token, options.name)
  let handler: ShareHandler
  try {
    handler = createShareHandler(options.doc, resolved, {
      reportCollaborators: (list) => options.onCollaborators?.(describeCollaborators(list)),
      raiseError: options.onError,
      setReadOnly: options.onReadOnly,
      setDirty: options.onDirty,
      reportEnded: options.onEnded,
    })
  } catch (error) {
    release()
    throw error
  }
  const stopState = options.onStatus ? client.onState(options.onStatus) : () => undefined
  options.onStatus?.(client.state)
  const stopSharing = client.share(handler)
  let isShared = true
  return {
    doc: options.doc,
    unshare() {
      if (!isShared) return
      isShared = false
      stopState()
      stopSharing()
      release()
    },
    reopen() {
      if (isShared) client.reopen(options.doc)
    },
  }
}
