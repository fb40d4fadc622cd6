// Presentation of the server's `C:` entries: a display name, a stable colour, and whether an
// entry is this very client. Pure; no DOM.

import type { Collaborator } from './share-handlers.ts'

/** A collaborator ready to show: name, colour and whether it is us. */
export interface Person {
  /** Display name from the trusted handle (`name:ip`), without the address. */
  readonly name: string
  /** True for anonymous users (their handles start with `~`). */
  readonly isAnonymous: boolean
  /** True when this entry is the client that asks (its view id starts our user id). */
  readonly isSelf: boolean
  /** A CSS colour derived from the view id, the same on every screen. */
  readonly color: string
  /** The view id, unique among the document's views. */
  readonly id: string
}

/** A hue from a string: FNV-1a, so everyone sees the same colour for the same person. */
function hueOf(text: string): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  return (hash >>> 0) % 360
}

/** The CSS colour Tandem uses for a view id (or any key). */
export function colorFor(key: string): string {
  return `hsl(${hueOf(key)} 65% 42%)`
}

/** Turn `C:` entries into people, the asking client (`userId`) marked `isSelf`. */
export function describeCollaborators(list: readonly Collaborator[], userId: string): Person[] {
  return list.map((c) => {
    const isAnonymous = c.handle.startsWith('~')
    // Names never contain ':' (the server sanitizes them), addresses may (IPv6).
    const colon = c.handle.indexOf(':')
    const name = c.handle.slice(isAnonymous ? 1 : 0, colon < 0 ? undefined : colon)
    return {
      name: name || 'anonymous',
      isAnonymous,
      isSelf: c.id !== '' && userId.startsWith(c.id),
      color: colorFor(c.id || c.handle),
      id: c.id,
    }
  })
}
