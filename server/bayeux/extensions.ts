// The extension pipeline: incoming in registration order, outgoing in reverse order
// (bayeux-notes §2.3, §3). An extension that throws is logged and skipped, never fatal.

import type { BayeuxMessage } from '../../shared/bayeux/message.ts'
import { logException } from '../log.ts'
import type { BayeuxExtension, ServerSession } from './types.ts'

/** The registered extensions. */
export class Extensions {
  // Replaced, never changed in place: a pass that adds or removes an extension while it runs
  // keeps the list it started with, and no pass needs a copy.
  #list: readonly BayeuxExtension[] = []

  /** Appends `extension`; returns a remover. */
  add(extension: BayeuxExtension): () => void {
    this.#list = [...this.#list, extension]
    return () => {
      const index = this.#list.indexOf(extension)
      if (index >= 0) this.#list = [...this.#list.slice(0, index), ...this.#list.slice(index + 1)]
    }
  }

  /** Runs `incoming` hooks; null means a hook vetoed the message. */
  incoming(message: BayeuxMessage, session: ServerSession | undefined): BayeuxMessage | null {
    let current = message
    for (const extension of this.#list) {
      if (!extension.incoming) continue
      try {
        const next = extension.incoming(current, session)
        if (next === null) return null
        if (next !== undefined) current = next
      } catch (err) {
        logException('bayeux extension threw', err, { channel: current.channel })
      }
    }
    return current
  }

  /** Runs `outgoing` hooks in reverse order; null means a hook vetoed the message. */
  outgoing(
    message: BayeuxMessage,
    session: ServerSession | undefined,
    request?: BayeuxMessage,
  ): BayeuxMessage | null {
    let current = message
    const list = this.#list
    for (let i = list.length - 1; i >= 0; i--) {
      const extension = list[i]
      if (!extension?.outgoing) continue
      try {
        const next = extension.outgoing(current, session, request)
        if (next === null) return null
        if (next !== undefined) current = next
      } catch (err) {
        logException('bayeux extension threw', err, { channel: current.channel })
      }
    }
    return current
  }
}
