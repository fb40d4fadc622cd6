// Service handlers bound to /service/... channels (or patterns), and their dispatch. A handler
// answers the requester only (bayeux-notes §2.5: deliver, not publish).

import { expandChannel } from '../../shared/bayeux/channel.ts'
import type { BayeuxMessage } from '../../shared/bayeux/message.ts'
import { logException } from '../log.ts'
import { addEntry } from './registry.ts'
import type { ServerSession, ServiceHandler } from './types.ts'

/** Sends a service's answer to the requesting session. */
export type ServiceResponder = (session: ServerSession, message: BayeuxMessage) => void

/** The service table. */
export class Services {
  readonly #handlers = new Map<string, ServiceHandler[]>()

  /** Binds `handler` to `channel` (a name or pattern); returns an unbinder. */
  add(channel: string, handler: ServiceHandler): () => void {
    return addEntry(this.#handlers, channel, handler)
  }

  /** Whether a handler is bound exactly to `channel`. */
  has(channel: string): boolean {
    return this.#handlers.has(channel)
  }

  /**
   * Calls every handler whose channel or pattern matches `message.channel`. Replies carry the
   * request's channel and id, so they also complete a CometD remoteCall (§8.4.3).
   */
  dispatch(session: ServerSession, message: BayeuxMessage, respond: ServiceResponder): void {
    const { channel, id } = message
    const answer = (successful: boolean) => (data: unknown) =>
      respond(session, { channel, ...(id === undefined ? {} : { id }), successful, data })
    for (const name of new Set([channel, ...expandChannel(channel)])) {
      for (const handler of [...(this.#handlers.get(name) ?? [])]) {
        invoke(handler, session, message, answer(true), answer(false))
      }
    }
  }
}

function invoke(
  handler: ServiceHandler,
  session: ServerSession,
  message: BayeuxMessage,
  reply: (data: unknown) => void,
  fail: (data: unknown) => void,
): void {
  const onError = (err: unknown) =>
    logException('bayeux service threw', err, { channel: message.channel })
  try {
    const result = handler(session, message, reply, fail)
    if (result instanceof Promise) result.catch(onError)
  } catch (err) {
    onError(err)
  }
}
