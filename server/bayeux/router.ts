// Subscriptions and wildcard fan-out: channel or pattern -> subscribed sessions. Lookups go
// through expandChannel(), never a scan of all subscriptions (bayeux-notes §1.3).

import { expandChannel, isBroadcast } from '../../shared/bayeux/channel.ts'
import type { SessionImpl } from './session.ts'

/** The subscription table. */
export class Router {
  readonly #subscribers = new Map<string, Set<SessionImpl>>()

  /** Adds `session` to `channel` (a name or pattern). Returns false if it already was. */
  subscribe(session: SessionImpl, channel: string): boolean {
    let set = this.#subscribers.get(channel)
    if (!set) this.#subscribers.set(channel, (set = new Set()))
    if (set.has(session)) return false
    set.add(session)
    session.subscriptions.add(channel)
    return true
  }

  /** Removes `session` from `channel`. Returns false if it was not subscribed. */
  unsubscribe(session: SessionImpl, channel: string): boolean {
    const set = this.#subscribers.get(channel)
    session.subscriptions.delete(channel)
    if (!set || !set.delete(session)) return false
    if (set.size === 0) this.#subscribers.delete(channel)
    return true
  }

  /** Removes every subscription of `session`. */
  unsubscribeAll(session: SessionImpl): void {
    for (const channel of [...session.subscriptions]) this.unsubscribe(session, channel)
  }

  /**
   * The sessions a message on `channel` reaches, each once. Wildcard subscribers get broadcast
   * messages only, even through `/**` (CometD `doPublish`).
   */
  subscribersOf(channel: string): Set<SessionImpl> {
    const result = new Set<SessionImpl>(this.#subscribers.get(channel))
    if (!isBroadcast(channel)) return result
    for (const pattern of expandChannel(channel)) {
      const set = this.#subscribers.get(pattern)
      if (set) for (const session of set) result.add(session)
    }
    return result
  }

  /** Whether anyone subscribes to exactly `channel`. */
  hasSubscribers(channel: string): boolean {
    return this.#subscribers.has(channel)
  }
}
