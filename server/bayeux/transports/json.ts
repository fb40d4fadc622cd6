// Serializes reply arrays, encoding each broadcast message once however many subscribers it
// has (CometD: "if the message is sent to a million subscribers, we generate the JSON only
// once", bayeux-notes §2.3). Broadcast messages are frozen, so a cached string stays valid.

import type { ReplyMessage } from '../../../shared/bayeux/message.ts'

const cache = new WeakMap<object, string>()

/** `JSON.stringify(messages)`, reusing the encoding of frozen (shared) messages. */
export function serializeMessages(messages: readonly ReplyMessage[]): string {
  const parts = messages.map((message) => {
    if (!Object.isFrozen(message)) return JSON.stringify(message)
    let json = cache.get(message)
    if (json === undefined) cache.set(message, (json = JSON.stringify(message)))
    return json
  })
  return `[${parts.join(',')}]`
}
