// Presentation of the server's `C:` entries: a display name, a stable colour, and whether an
// entry is this very client. Pure; no DOM.

import type { Collaborator } from './share-handlers.ts'

/** A collaborator ready to show: name, colour and whether it is us. */
export interface Person {
  /** Display name from the trusted handle (`name:ip`), without the address. */
  readonly name: string
  /** True for anonymous users (their handles start with `~`). */
  readonly isAnonymous: boolean
  /** True for the asking client's own entry (the server lists only the other views). */
  readonly isSelf: boolean
  /** A CSS colour derived from the view id, the same on every screen. */
  readonly color: string
  /** The view id, unique among the document's views. */
  readonly id: string
}

/**
 * How a person is marked beside their name: `guest` for anonymous users (a name anyone may
 * type), `verified` for token users (a name an operator gave). Issue 14 finding 11: without
 * it a guest calling themselves "alice" looked exactly like the user alice.
 */
export function badgeOf(person: Pick<Person, 'isAnonymous'>): { text: string; title: string } {
  return person.isAnonymous
    ? { text: 'guest', title: 'Anonymous: the name is self-chosen' }
    : { text: '✓ verified', title: 'Signed in with an access token' }
}

/** The text shown for a person: name, `(you)` for ourselves, then the badge. */
export function labelOf(person: Pick<Person, 'name' | 'isAnonymous' | 'isSelf'>): string {
  return `${person.name}${person.isSelf ? ' (you)' : ''} · ${badgeOf(person).text}`
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

/**
 * Turn `C:` entries into people. None is ourselves: the server leaves out the asking view, and
 * ids are opaque, so a view whose id looks like ours is someone else (issue 14 finding 11).
 */
export function describeCollaborators(list: readonly Collaborator[]): Person[] {
  return list.map((c) => {
    const isAnonymous = c.handle.startsWith('~')
    // Names never contain ':' (the server sanitizes them), addresses may (IPv6).
    const colon = c.handle.indexOf(':')
    const name = c.handle.slice(isAnonymous ? 1 : 0, colon < 0 ? undefined : colon)
    return {
      name: name || 'anonymous',
      isAnonymous,
      isSelf: false,
      color: colorFor(c.id || c.handle),
      id: c.id,
    }
  })
}
