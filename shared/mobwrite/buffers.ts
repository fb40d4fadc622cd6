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
   * terminated), the reassembled request when this fragment completed one, or undefined while
   * fragments are missing. The codec skips a malformed `b:` line as junk, as the daemon did.
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

  function feed(text: string, owner: string, depth = 0): string | undefined {
    // "buffers are not intended to be mixed with other commands" (core.py): the first b:/B:
    // line of a terminated request decides and the other lines are dropped.
    const { terminated, buffer: fragment } = parseRequest(text)
    if (!terminated || fragment === null) return text
    // Buffers may nest (server.xml "Nested Buffer"); three levels is more than any client makes.
    if (depth > 3) return undefined
    const { total, index, chunk } = fragment
    // Out-of-range fragments are ignored; N beyond the size limit could never complete.
    if (index < 1 || index > total || total > options.maxBufferChars) return undefined
    const encoded = total === 1 ? chunk : store(owner, fragment)
    if (encoded === undefined) return undefined
    // The daemon re-parses the decoded text with its last character doubled: clients end a
    // buffered request with a single "\n" (server.xml "Complete Buffer").
    const whole = decodeBuffer(encoded)
    return feed(whole + whole.slice(-1), owner, depth + 1)
  }

  return {
    feed: (text, owner) => feed(text, owner),
    get size() {
      return pending.size
    },
  }
}
