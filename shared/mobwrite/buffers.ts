// `b:` buffers (mobwrite-notes §1.8): the JSONP client splits a long request into N fragments
// `b:<id> <N> <i> <chunk>`, sent at once and arriving in any order. One instance serves every
// gateway; fragments are keyed by the sender's trusted handle as well as `<id>_<N>`, so nobody
// can fill another client's buffer. Held characters are budgeted per group (a token, or an
// address for anonymous clients; issue 14) and in total. Expiry runs on each call (no timers).
// Pure: no I/O, the clock is injectable.

import { ErrorCode, SyncError } from '../errors.ts'
import { parseRequest, type BufferLine } from './codec.ts'

/** Reassembles `b:` fragments across requests. */
export interface GatewayBuffers {
  /**
   * The request to run for `text`: `text` itself when it holds no `b:` line (or is not
   * terminated), the reassembled request when one of its fragments completed one (every `b:`
   * line is fed, in order), or undefined while fragments are missing. The codec skips a
   * malformed `b:` line as junk, as the daemon did.
   * `group` is whose budget the fragments count against (default: `owner`).
   * @throws SyncError `ERR_REQUEST_INVALID` when a complete buffer does not percent-decode;
   * `ERR_REQUEST_TOO_LARGE` when a fragment would take `group` past `maxBufferedCharsPerGroup`
   * (the buffer it belongs to is dropped: it could never complete).
   */
  feed(text: string, owner: string, group?: string): string | undefined
  /** Incomplete buffers held now. */
  readonly size: number
  /** Characters held in incomplete buffers now, of everyone. */
  readonly chars: number
}

/** Options of {@link createGatewayBuffers} (the gateway passes its `gateway` config section). */
export interface BufferOptions {
  /** Incomplete buffers older than this are dropped (MobWrite TIMEOUT_BUFFER: 15 min). */
  readonly bufferExpiryMs: number
  /** Most incomplete buffers held; the oldest go first. */
  readonly maxBuffers: number
  /** Largest buffer (sum of its chunks), in characters; a larger one is dropped. */
  readonly maxBufferChars: number
  /** Most characters one group's incomplete buffers may hold together; past it, refused. */
  readonly maxBufferedCharsPerGroup: number
  /** Most characters all incomplete buffers may hold together; the oldest go first. */
  readonly maxBufferedChars: number
  /** The clock (ms); default `Date.now`. */
  readonly now?: () => number
}

interface Pending {
  readonly createdMs: number
  readonly group: string
  // A Map, not an array: N comes from the network and must not size an allocation.
  readonly slots: Map<number, string>
  chars: number
}

function decodeBuffer(encoded: string): string {
  try {
    // The daemon used urllib.unquote: every %XX decodes and `+` stays a plus.
    return decodeURIComponent(encoded)
  } catch {
    throw new SyncError(ErrorCode.ERR_REQUEST_INVALID, 'Buffer contents do not percent-decode')
  }
}

function overBudget(limit: number): SyncError {
  return new SyncError(
    ErrorCode.ERR_REQUEST_TOO_LARGE,
    `Unfinished b: buffers of one token or address would hold more than ${limit} characters ` +
      '(gateway.maxBufferedCharsPerGroup)',
  )
}

/** Creates an empty buffer store. (Longer than 30 lines: the closures share its maps.) */
export function createGatewayBuffers(options: BufferOptions): GatewayBuffers {
  const now = options.now ?? Date.now
  const pending = new Map<string, Pending>()
  // Characters held per group, and by everyone.
  const groupChars = new Map<string, number>()
  let totalChars = 0

  function drop(key: string): void {
    const entry = pending.get(key)
    if (!entry) return
    pending.delete(key)
    totalChars -= entry.chars
    const left = (groupChars.get(entry.group) ?? 0) - entry.chars
    if (left > 0) groupChars.set(entry.group, left)
    else groupChars.delete(entry.group)
  }

  // Map iteration is insertion order, which is creation order: stop at the first fresh one.
  // `extra` buffers and characters are about to be added: the oldest buffers make room.
  function expire(extraBuffers: number, extraChars: number): void {
    const oldest = now() - options.bufferExpiryMs
    for (const [key, entry] of pending) {
      const isFull =
        pending.size + extraBuffers > options.maxBuffers ||
        totalChars + extraChars > options.maxBufferedChars
      if (entry.createdMs > oldest && !isFull) break
      drop(key)
    }
  }

  function store(owner: string, group: string, f: BufferLine): string | undefined {
    const key = `${group}\u0000${owner}\u0000${f.id}_${f.total}`
    expire(pending.has(key) ? 0 : 1, f.chunk.length)
    const entry = pending.get(key)
    // A repeated fragment keeps the first copy (App Engine's memcache `add` did the same).
    if (entry?.slots.has(f.index)) return undefined
    if ((entry?.chars ?? 0) + f.chunk.length > options.maxBufferChars) return void drop(key)
    if ((groupChars.get(group) ?? 0) + f.chunk.length > options.maxBufferedCharsPerGroup) {
      drop(key)
      throw overBudget(options.maxBufferedCharsPerGroup)
    }
    const held = entry ?? { createdMs: now(), group, slots: new Map<number, string>(), chars: 0 }
    pending.set(key, held)
    held.slots.set(f.index, f.chunk)
    held.chars += f.chunk.length
    totalChars += f.chunk.length
    groupChars.set(group, (groupChars.get(group) ?? 0) + f.chunk.length)
    if (held.slots.size < f.total) return undefined
    let joined = ''
    for (let i = 1; i <= f.total; i++) joined += held.slots.get(i)
    drop(key)
    return joined
  }

  // core.py parseRequest feeds every b: line in order; the first one that completes a buffer
  // replaces the whole request ("buffers are not intended to be mixed with other commands").
  function feed(text: string, owner: string, group: string, depth = 0): string | undefined {
    const { terminated, lines } = parseRequest(text)
    const fragments = lines.filter((l): l is BufferLine => l.type === 'buffer')
    if (!terminated || fragments.length === 0) return text
    // Buffers may nest (server.xml "Nested Buffer"); three levels is more than any client makes.
    if (depth > 3) return undefined
    for (const fragment of fragments) {
      const encoded = feedFragment(owner, group, fragment)
      if (encoded === undefined) continue
      // The daemon re-parses the decoded text with its last character doubled: clients end a
      // buffered request with a single "\n" (server.xml "Complete Buffer").
      const whole = decodeBuffer(encoded)
      return feed(whole + whole.slice(-1), owner, group, depth + 1)
    }
    return undefined
  }

  // One fragment: out-of-range ones are ignored (server.xml "Invalid Buffers"; N beyond the
  // size limit could never complete), a single-slot one is whole at once.
  function feedFragment(owner: string, group: string, fragment: BufferLine) {
    const { total, index, chunk } = fragment
    if (index < 1 || index > total || total > options.maxBufferChars) return undefined
    return total === 1 ? chunk : store(owner, group, fragment)
  }

  return {
    feed: (text, owner, group = owner) => feed(text, owner, group),
    get size() {
      return pending.size
    },
    get chars() {
      return totalChars
    },
  }
}
