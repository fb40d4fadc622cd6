// `b:` buffers (mobwrite-notes §1.8): the JSONP client splits a long request into N fragments
// `b:<id> <N> <i> <chunk>`, sent at once and arriving in any order. One instance serves every
// gateway; fragments are keyed by the sender's trusted handle as well as `<id>_<N>`, so nobody
// can fill another client's buffer. Expiry runs on each call (no timers). Pure: no I/O, the
// clock is injectable.

import { ErrorCode, SyncError } from '../errors.ts'
import { parseRequest, type BufferLine } from './codec.ts'

/** Reassembles `b:` fragments across requests. */
export interface GatewayBuffers {
  /**
   * The request to run for `text`: `text` itself when it holds no `b:` line (or is not
   * terminated), the reassembled request when one of its fragments completed one (every `b:`
   * line is fed, in order), or undefined while fragments are missing. The codec skips a
   * malformed `b:` line as junk, as the daemon did.
   * @throws SyncError `ERR_REQUEST_INVALID` when a complete buffer does not percent-decode.
   */
  feed(text: string, owner: string): string | undefined
  /** Incomplete buffers held now. */
  readonly size: number
}

/** Options of {@link createGatewayBuffers} (the gateway passes its `gateway` config section). */
export interface BufferOptions {
  /** Incomplete buffers older than this are dropped (MobWrite TIMEOUT_BUFFER: 15 min). */
  readonly bufferExpiryMs: number
  /** Most incomplete buffers held; the oldest go first. */
  readonly maxBuffers: number
  /** Largest buffer (sum of its chunks), in characters; a larger one is dropped. */
  readonly maxBufferChars: number
  /** The clock (ms); default `Date.now`. */
  readonly now?: () => number
}

interface Pending {
  readonly createdMs: number
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

/** Creates an empty buffer store. */
export function createGatewayBuffers(options: BufferOptions): GatewayBuffers {
  const now = options.now ?? Date.now
  const pending = new Map<string, Pending>()

  // Map iteration is insertion order, which is creation order: stop at the first fresh one.
  function expire(): void {
    const oldest = now() - options.bufferExpiryMs
    for (const [key, entry] of pending) {
      if (entry.createdMs > oldest && pending.size < options.maxBuffers) break
      pending.delete(key)
    }
  }

  function store(owner: string, f: BufferLine): string | undefined {
    const key = `${owner}\u0000${f.id}_${f.total}`
    let entry = pending.get(key)
    if (!entry) {
      expire()
      entry = { createdMs: now(), slots: new Map(), chars: 0 }
      pending.set(key, entry)
    }
    // A repeated fragment keeps the first copy (App Engine's memcache `add` did the same).
    if (entry.slots.has(f.index)) return undefined
    entry.chars += f.chunk.length
    if (entry.chars > options.maxBufferChars) return void pending.delete(key)
    entry.slots.set(f.index, f.chunk)
    if (entry.slots.size < f.total) return undefined
    pending.delete(key)
    let joined = ''
    for (let i = 1; i <= f.total; i++) joined += entry.slots.get(i)
    return joined
  }

  // core.py parseRequest feeds every b: line in order; the first one that completes a buffer
  // replaces the whole request ("buffers are not intended to be mixed with other commands").
  function feed(text: string, owner: string, depth = 0): string | undefined {
    const { terminated, lines } = parseRequest(text)
    const fragments = lines.filter((l): l is BufferLine => l.type === 'buffer')
    if (!terminated || fragments.length === 0) return text
    // Buffers may nest (server.xml "Nested Buffer"); three levels is more than any client makes.
    if (depth > 3) return undefined
    for (const fragment of fragments) {
      const encoded = feedFragment(owner, fragment)
      if (encoded === undefined) continue
      // The daemon re-parses the decoded text with its last character doubled: clients end a
      // buffered request with a single "\n" (server.xml "Complete Buffer").
      const whole = decodeBuffer(encoded)
      return feed(whole + whole.slice(-1), owner, depth + 1)
    }
    return undefined
  }

  // One fragment: out-of-range ones are ignored (server.xml "Invalid Buffers"; N beyond the
  // size limit could never complete), a single-slot one is whole at once.
  function feedFragment(owner: string, fragment: BufferLine): string | undefined {
    const { total, index, chunk } = fragment
    if (index < 1 || index > total || total > options.maxBufferChars) return undefined
    return total === 1 ? chunk : store(owner, fragment)
  }

  return {
    feed: (text, owner) => feed(text, owner),
    get size() {
      return pending.size
    },
  }
}
