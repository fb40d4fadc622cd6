// Mozilla's `C:<handle>:<json>` lines (mobwrite-notes §1.3): one per other view of the file,
// carrying that view's `m:` metadata and `"id"`, the first 4 characters of its user id. Pure.

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

/**
 * The JSON of one `C:` line: the metadata object with `"id"` added. Metadata that is not a JSON
 * object is not relayed (only `{"id"}` is sent).
 */
export function collaboratorJson(user: string, meta: string | null): string {
  let fields: Record<string, unknown> = {}
  if (meta !== null) {
    try {
      const value: unknown = JSON.parse(meta)
      if (isPlainObject(value)) fields = value
    } catch {
      // Not JSON: relay nothing but the id.
    }
  }
  return JSON.stringify({ ...fields, id: user.slice(0, 4) })
}

/** `C:` lines for every collaborator except views of `self` (the requesting user id). */
export function collaboratorLines(list: readonly Collaborator[], self: string): string[] {
  return list
    .filter((c) => c.user !== self && !/[\r\n]/.test(c.handle))
    .map((c) => `C:${c.handle}:${collaboratorJson(c.user, c.meta)}`)
}
