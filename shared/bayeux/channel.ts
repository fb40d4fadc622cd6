// Channel names: meta/service/broadcast kinds, validity, and wildcard expansion
// (bayeux-notes §1.3). Pure functions.

/** The five meta channels the server answers. */
export const MetaChannel = {
  Handshake: '/meta/handshake',
  Connect: '/meta/connect',
  Subscribe: '/meta/subscribe',
  Unsubscribe: '/meta/unsubscribe',
  Disconnect: '/meta/disconnect',
} as const

/** One of {@link MetaChannel}. */
export type MetaChannel = (typeof MetaChannel)[keyof typeof MetaChannel]

const metaChannels = new Set<string>(Object.values(MetaChannel))

/** Whether `channel` is one of the five meta channels the protocol defines. */
export function isMetaChannelName(channel: string): channel is MetaChannel {
  return metaChannels.has(channel)
}

/** Whether `channel` is under `/meta/` (never subscribable, never published to by clients). */
export function isMeta(channel: string): boolean {
  return channel.startsWith('/meta/')
}

/** Whether `channel` is under `/service/` (delivered to server handlers, never broadcast). */
export function isService(channel: string): boolean {
  return channel.startsWith('/service/')
}

/** Whether `channel` is a broadcast channel (neither meta nor service). */
export function isBroadcast(channel: string): boolean {
  return !isMeta(channel) && !isService(channel)
}

/** Whether `channel` ends in the `*` or `**` wildcard segment. */
export function isWildcard(channel: string): boolean {
  return channel.endsWith('/*') || channel.endsWith('/**')
}

/** Whether `channel` is one of the global wildcards `/*` and `/**`. */
export function isGlobalWildcard(channel: string): boolean {
  return channel === '/*' || channel === '/**'
}

// A segment: printable, no slash, no star, no quote or backslash, no whitespace.
const segment = /^[^\s/*"\\]+$/

/**
 * Whether `channel` is a well-formed name or pattern: `/seg(/seg)*`, where only the last
 * segment may be `*` or `**`. `maxChars` bounds the length.
 */
export function isValidChannel(channel: string, maxChars = 512): boolean {
  if (channel.length < 2 || channel.length > maxChars || channel[0] !== '/') return false
  const parts = channel.slice(1).split('/')
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] ?? ''
    const isLast = i === parts.length - 1
    if (isLast && (part === '*' || part === '**')) continue
    if (!segment.test(part)) return false
  }
  return true
}

/**
 * The wildcard patterns that match a concrete channel, closest first: `/a/b/c` gives
 * `/a/b/*`, `/a/b/**`, `/a/**`, `/**` (bayeux-notes §1.3, CometD `ChannelId.getWilds`).
 */
export function expandChannel(channel: string): string[] {
  const parts = channel.split('/').slice(1)
  const result: string[] = []
  let prefix = '/' + parts.slice(0, -1).join('/')
  if (prefix !== '/') prefix += '/'
  result.push(prefix + '*')
  for (let n = parts.length - 1; n >= 0; n--) {
    const head = parts.slice(0, n).join('/')
    result.push((head ? '/' + head : '') + '/**')
  }
  return result
}
