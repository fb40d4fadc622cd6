// Turns untrusted JSON into BayeuxMessages, field by field, with CometD's error strings
// (bayeux-notes §1.1–1.2). Pure: callers own I/O and decide what an error costs.

import type { Advice, BayeuxMessage } from './message.ts'
import { BayeuxError } from './error.ts'
import { isValidChannel } from './channel.ts'

/** A request envelope that is not a message or an array of messages. */
export class ProtocolError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ProtocolError'
  }
}

/** A message that could not be decoded: the error string plus what can be echoed back. */
export interface DecodeFailure {
  error: string
  channel?: string
  id?: string
}

/** The result of {@link decodeMessage}. */
export type DecodeResult = { message: BayeuxMessage } | { failure: DecodeFailure }

/**
 * Splits a parsed request body into raw messages. "A Bayeux server MUST accept either array of
 * messages and MAY accept a single message" (App. C › Messages).
 * @throws ProtocolError when the body is neither an object nor an array.
 */
export function decodeEnvelope(json: unknown): unknown[] {
  if (Array.isArray(json)) return json
  if (isRecord(json)) return [json]
  throw new ProtocolError('A Bayeux request must be a JSON object or an array of objects')
}

/** Whether `value` is a plain JSON object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

const idPattern = /^[\x21-\x7e]{1,128}$/

// Optional typed fields: a wrong type fails the whole message with FieldInvalid.
const stringFields = ['clientId', 'version', 'minimumVersion', 'connectionType'] as const

/**
 * Whether a JSON text nests arrays and objects deeper than `maxDepth`, found by one scan of its
 * characters without parsing it (so a hostile text costs no allocation). Use it before
 * `JSON.parse`; malformed text is left for the parser to reject.
 */
export function isJsonTextTooDeep(text: string, maxDepth: number): boolean {
  if (text.length <= maxDepth) return false
  let depth = 0
  let isInString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (isInString) {
      if (c === 0x5c)
        i++ // a backslash: the next character is escaped
      else if (c === 0x22) isInString = false
    } else if (c === 0x22) isInString = true
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) return true
    } else if (c === 0x5d || c === 0x7d) depth--
  }
  return false
}

/**
 * Whether a parsed value nests arrays and objects deeper than `maxDepth` (a lone object or
 * array is depth 1). Iterative, so it cannot overflow the stack itself.
 */
export function isValueTooDeep(value: unknown, maxDepth: number): boolean {
  if (typeof value !== 'object' || value === null) return false
  const stack: Array<{ value: object; depth: number }> = [{ value, depth: 1 }]
  for (let top = stack.pop(); top; top = stack.pop()) {
    if (top.depth > maxDepth) return true
    const children = Array.isArray(top.value) ? top.value : Object.values(top.value)
    for (const child of children) {
      if (typeof child === 'object' && child !== null) {
        stack.push({ value: child, depth: top.depth + 1 })
      }
    }
  }
  return false
}

/**
 * Decodes one raw message; never throws. `maxChannelChars` bounds channel names, `maxDepth`
 * the nesting of the whole message (the message object is level 1): anything deeper could not
 * be encoded again without overflowing the stack (issue 14).
 */
export function decodeMessage(raw: unknown, maxChannelChars = 512, maxDepth = 64): DecodeResult {
  if (!isRecord(raw)) return { failure: { error: BayeuxError.MessageInvalid } }
  const { channel, id } = raw
  if (typeof channel !== 'string') return { failure: { error: BayeuxError.ChannelMissing } }
  // Echo at most 512 characters of a bad channel; a bad id is not echoed at all.
  if (id !== undefined && (typeof id !== 'string' || !idPattern.test(id))) {
    return { failure: { error: BayeuxError.MessageIdInvalid, channel: channel.slice(0, 512) } }
  }
  if (isValueTooDeep(raw, maxDepth)) {
    const failure: DecodeFailure = {
      error: BayeuxError.MessageTooDeep,
      channel: channel.slice(0, 512),
    }
    return { failure: id === undefined ? failure : { ...failure, id } }
  }
  if (!isValidChannel(channel, maxChannelChars)) {
    const failure: DecodeFailure = {
      error: BayeuxError.ChannelInvalid,
      channel: channel.slice(0, 512),
    }
    return { failure: id === undefined ? failure : { ...failure, id } }
  }
  const message: BayeuxMessage = { channel }
  if (id !== undefined) message.id = id
  for (const field of stringFields) {
    const value = raw[field]
    if (value === undefined || value === null) continue
    if (typeof value !== 'string') return fieldInvalid(channel, id)
    message[field] = value
  }
  if (!copyStructured(raw, message)) return fieldInvalid(channel, id)
  if ('data' in raw) message.data = raw.data
  return { message }
}

function fieldInvalid(channel: string, id: string | undefined): DecodeResult {
  return { failure: { error: BayeuxError.FieldInvalid, channel, ...(id ? { id } : {}) } }
}

function copyStructured(raw: Record<string, unknown>, message: BayeuxMessage): boolean {
  const { ext, advice, supportedConnectionTypes, subscription } = raw
  if (ext !== undefined && ext !== null) {
    if (!isRecord(ext)) return false
    message.ext = ext
  }
  if (advice !== undefined && advice !== null) {
    const decoded = decodeAdvice(advice)
    if (!decoded) return false
    message.advice = decoded
  }
  if (supportedConnectionTypes !== undefined) {
    if (!isStringArray(supportedConnectionTypes)) return false
    message.supportedConnectionTypes = supportedConnectionTypes
  }
  // `subscription` is checked by the (un)subscribe handlers, which own its error strings.
  if (typeof subscription === 'string' || isStringArray(subscription)) {
    message.subscription = subscription
  } else if (subscription !== undefined) {
    message.subscription = [] // marks "present but invalid"
  }
  return true
}

function decodeAdvice(raw: unknown): Advice | undefined {
  if (!isRecord(raw)) return undefined
  const advice: Advice = {}
  const { timeout, interval } = raw
  if (timeout !== undefined) {
    if (typeof timeout !== 'number' || !Number.isFinite(timeout)) return undefined
    advice.timeout = timeout
  }
  if (interval !== undefined) {
    if (typeof interval !== 'number' || !Number.isFinite(interval)) return undefined
    advice.interval = interval
  }
  return advice
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string')
}
