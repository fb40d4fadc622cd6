// Parsing request texts and serializing replies for the transports. Parsing bounds nesting
// before JSON.parse (issue 14); serializing encodes each broadcast message once however many
// subscribers it has (CometD: "if the message is sent to a million subscribers, we generate
// the JSON only once", bayeux-notes §2.3). Broadcast messages are frozen, so a cached string
// stays valid.

import { decodeEnvelope, isJsonTextTooDeep, isRecord } from '../../../shared/bayeux/codec.ts'
import { BayeuxError } from '../../../shared/bayeux/error.ts'
import type { ReplyMessage } from '../../../shared/bayeux/message.ts'
import { logException } from '../../log.ts'

const cache = new WeakMap<object, string>()

/** What {@link parseRequest} returns for a request nested deeper than `maxJsonDepth`. */
export const TooDeep = Symbol('TooDeep')

/**
 * The answer to a request refused by {@link TooDeep}: nothing of it was parsed, so no id or
 * channel can be echoed. Deeper messages inside an acceptable request are refused one by one
 * with their id (codec.ts decodeMessage).
 */
export const tooDeepReplies: readonly ReplyMessage[] = Object.freeze([
  Object.freeze({ successful: false as const, error: BayeuxError.MessageTooDeep }),
])

/**
 * Parses each text as JSON and concatenates the envelopes. Undefined if any is malformed;
 * {@link TooDeep} if one nests deeper than a message may (`maxJsonDepth`, plus the envelope
 * array) — found by a scan before parsing, so a hostile text is never built.
 */
export function parseRequest(
  texts: readonly string[],
  maxJsonDepth: number,
): unknown[] | typeof TooDeep | undefined {
  if (texts.length === 0) return undefined
  const messages: unknown[] = []
  try {
    for (const text of texts) {
      if (isJsonTextTooDeep(text, maxJsonDepth + 1)) return TooDeep
      messages.push(...decodeEnvelope(JSON.parse(text)))
    }
  } catch {
    return undefined
  }
  return messages
}

/** `JSON.stringify(messages)`, reusing the encoding of frozen (shared) messages. */
export function serializeMessages(messages: readonly ReplyMessage[]): string {
  const parts = messages.map(encodeOne)
  return `[${parts.join(',')}]`
}

function encodeOne(message: ReplyMessage): string {
  if (!Object.isFrozen(message)) return JSON.stringify(message)
  let json = cache.get(message)
  if (json === undefined) cache.set(message, (json = JSON.stringify(message)))
  return json
}

/**
 * {@link serializeMessages} that never throws: a message that cannot be encoded (too deep for
 * the stack, a cycle or a BigInt from server-side code) is logged, and a reply among them is
 * answered `500::server_error` instead, while a delivery is dropped (issue 14).
 */
export function serializeMessagesSafely(messages: readonly ReplyMessage[]): string {
  try {
    return serializeMessages(messages)
  } catch {
    const parts: string[] = []
    for (const message of messages) {
      try {
        parts.push(encodeOne(message))
      } catch (err) {
        logException('bayeux message could not be encoded', err, { channel: message.channel })
        const failed = failedReply(message)
        if (failed) parts.push(JSON.stringify(failed))
      }
    }
    return `[${parts.join(',')}]`
  }
}

// Replies carry `successful`; deliveries do not (and are dropped).
function failedReply(message: ReplyMessage): ReplyMessage | undefined {
  if (!isRecord(message) || typeof message.successful !== 'boolean') return undefined
  const { id, channel } = message
  return {
    ...(typeof id === 'string' ? { id } : {}),
    ...(typeof channel === 'string' ? { channel } : {}),
    successful: false,
    error: BayeuxError.ServerError,
  }
}
