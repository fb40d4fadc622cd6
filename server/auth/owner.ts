// Who a view belongs to (issue 14, finding 6): a view is bound to what its opener can prove, and
// only a requester that proves the same may use, reset or close it. Pure; no I/O.
//
//   token client                → `principal:<name>`       any session or gateway of that token user
//   anonymous with a session    → `session:<ip> <id>`      the Bayeux session or `/mobwrite` socket
//   anonymous raw HTTP/JSONP/TCP → `address:<ip>`          the address (the original client can
//                                                           prove nothing else: no session, no cookie)
//
// An anonymous requester from the same address takes over a view bound to that address, or to
// a session of that address that is no longer live (a reconnect, a restart: sessions do not
// survive, addresses do). A live session's view stays its own.

import type { Identity } from './identity.ts'

/** The requester as view ownership sees it. */
export interface ViewRequester {
  readonly identity: Pick<Identity, 'principal' | 'isAnonymous' | 'ip'>
  /** The Bayeux session or `/mobwrite` socket the request came on, if any. */
  readonly sessionId?: string
}

/** The owner key of views `who` opens (see the module header). */
export function viewOwnerOf(who: ViewRequester): string {
  const { identity, sessionId } = who
  if (!identity.isAnonymous) return `principal:${identity.principal}`
  return sessionId === undefined ? `address:${identity.ip}` : `session:${identity.ip} ${sessionId}`
}

/**
 * Whether `who` may use a view bound to `owner`: the same key, an unbound view, or (anonymous
 * only) a view of its own address whose session, if any, `isSessionLive` no longer knows.
 */
export function mayUseView(
  owner: string,
  who: ViewRequester,
  isSessionLive: (sessionId: string) => boolean,
): boolean {
  if (owner === '' || owner === viewOwnerOf(who)) return true
  if (!who.identity.isAnonymous) return false
  if (owner === `address:${who.identity.ip}`) return true
  const prefix = `session:${who.identity.ip} `
  return owner.startsWith(prefix) && !isSessionLive(owner.slice(prefix.length))
}

/**
 * The identity an owner key counts for in per-identity limits (sync.maxViewsPerIdentity): the
 * token user (`principal:<name>`), or the address (`address:<ip>`) of an anonymous view, whether
 * it is bound to the address or to a session there; undefined for an unbound view ('').
 */
export function identityGroupOf(owner: string): string | undefined {
  if (owner.startsWith('principal:') || owner.startsWith('address:')) return owner
  if (!owner.startsWith('session:')) return undefined
  const space = owner.indexOf(' ')
  return `address:${owner.slice('session:'.length, space < 0 ? undefined : space)}`
}
