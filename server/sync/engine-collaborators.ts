// Mozilla's `C:<handle>:<json>` lines (mobwrite-notes §1.3): one per other view of the file,
// carrying that view's `m:` metadata and an opaque `"id"` for the view. Pure but for the key.

import { createHmac, randomBytes } from 'node:crypto'

/** A view attached to a file, as the caller lists it. */
export interface Collaborator {
  readonly user: string
  readonly handle: string
  /** The view's `m:` metadata (JSON text), or null. */
  readonly meta: string | null
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

// Issue 14 findings 6 and 11: Mozilla sent the first 4 characters of the user id, which helped
// readers guess others' ids and let two views share one. An HMAC under a key drawn at start
// names a view (user id and file) stably while this process runs and tells nothing of its id.
const viewIdKey = randomBytes(32)

/** The opaque `"id"` of the view of `user` on `file` (8 base64url characters). */
export function collaboratorId(user: string, file: string): string {
  return createHmac('sha256', viewIdKey).update(`${user}\n${file}`).digest('base64url').slice(0, 8)
}

/**
 * The JSON of one `C:` line: the metadata object with `"id"` (see {@link collaboratorId})
 * added. Metadata that is not a JSON object is not relayed (only `{"id"}` is sent).
 */
export function collaboratorJson(user: string, file: string, meta: string | null): string {
  let fields: Record<string, unknown> = {}
  if (meta !== null) {
    try {
      const value: unknown = JSON.parse(meta)
      if (isPlainObject(value)) fields = value
    } catch {
      // Not JSON: relay nothing but the id.
    }
  }
  return JSON.stringify({ ...fields, id: collaboratorId(user, file) })
}

// The JSON of a line depends on the view and the metadata only; the same few views are
// listed in every answer of a busy document, so their lines are kept (bounded, then reset).
const lineCache = new Map<string, string>()
const lineCacheMax = 10_000

function collaboratorLine(c: Collaborator, file: string): string {
  const key = JSON.stringify([c.handle, c.user, file, c.meta])
  let line = lineCache.get(key)
  if (line === undefined) {
    if (lineCache.size >= lineCacheMax) lineCache.clear()
    lineCache.set(key, (line = `C:${c.handle}:${collaboratorJson(c.user, file, c.meta)}`))
  }
  return line
}

/** `C:` lines for every collaborator of `file` except views of `self` (the requesting user id). */
export function collaboratorLines(
  list: readonly Collaborator[],
  self: string,
  file: string,
): string[] {
  return list
    .filter((c) => c.user !== self && !/[\r\n]/.test(c.handle))
    .map((c) => collaboratorLine(c, file))
}

/**
 * The `C:` list (lines joined by `\n`) a view's client holds: `sent` with the last answer, and
 * `confirmed` with the last answer it acknowledged (undefined: unknown, e.g. after a restart).
 */
export interface SentCollaborators {
  readonly sent: string
  readonly confirmed: string | undefined
}

/** What {@link changedCollaboratorLines} knows about the view and the request. */
export interface CollaboratorContext {
  /** What the view was sent so far; undefined when this process never answered it. */
  readonly was: SentCollaborators | undefined
  /** Whether the view existed before this request (its client may show a list already). */
  readonly isKnownView: boolean
  /** Whether the request acknowledged the view's last answer (no answer was lost). */
  readonly isAcked: boolean
}

/**
 * The `C:` lines an answer carries when lists are sent only on change: none when every list
 * the client may hold equals `lines`, else all of them (a bare `C:` for an empty list), and
 * what the view has been sent afterwards.
 */
export function changedCollaboratorLines(
  lines: readonly string[],
  context: CollaboratorContext,
): { lines: string[]; next: SentCollaborators } {
  const { was, isKnownView, isAcked } = context
  const joined = lines.join('\n')
  // A new client shows nobody; a known one after a restart may show anything.
  const fresh = isKnownView ? undefined : ''
  const held = was === undefined ? [fresh] : isAcked ? [was.sent] : [was.sent, was.confirmed]
  const isSame = held.every((list) => list === joined)
  const confirmed = was === undefined ? fresh : isAcked ? was.sent : was.confirmed
  return {
    lines: isSame ? [] : lines.length > 0 ? [...lines] : ['C:'],
    next: { sent: joined, confirmed },
  }
}
