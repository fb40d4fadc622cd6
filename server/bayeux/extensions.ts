// The extension pipeline: incoming in registration order, outgoing in reverse order
// (bayeux-notes §2.3, §3). An extension that throws is logged and skipped, never fatal.

import type { BayeuxMessage } from '../../shared/bayeux/message.ts'
import { logException } from '../log.ts'
import type { BayeuxExtension, ServerSession } from './types.ts'

/** The registered extensions. */
export class Extensions {
  readonly #list: BayeuxExtension[] = []

  /** Appends `extension`; returns a remover. */
  add(extension: BayeuxExtension): () => void {
    this.#list.push(extension)
    return () => {
      const index = this.#list.indexOf(extension)
      if (index >= 0) this.#list.splice(index, 1)
    }
  }

  /** Runs `incoming` hooks; null means a hook vetoed the message. */
  incoming(message: BayeuxMessage, session: ServerSession | undefined): BayeuxMessage | null {
    let current = message
    for (const extension of [...this.#list]) {
      if (!extension.incoming) continue
      const next = run(() => extension.incoming?.(current, session), current)
      if (next === null) return null
      current = next
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
    const list = [...this.#list]
    for (let i = list.length - 1; i >= 0; i--) {
      const extension = list[i]
      if (!extension?.outgoing) continue
      const next = run(() => extension.outgoing?.(current, session, request), current)
      if (next === null) return null
      current = next
    }
    return current
  }
}

function run(
  hook: () => BayeuxMessage | null | void,
  current: BayeuxMessage,
): BayeuxMessage | null {
  try {
    const result = hook()
    return result === undefined ? current : result
  } catch (err) {
    logException('bayeux extension threw', err, { channel: current.channel })
    return current
  }
}
