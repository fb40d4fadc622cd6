// `b:` buffers (mobwrite-notes §1.8): the JSONP client splits a long request into N fragments
// `b:<id> <N> <i> <chunk>` that may arrive in any order. This structure collects them per
// (id, N), 1-based, and returns the whole request once complete. Deterministic: the caller
// passes the time; nothing expires on its own. No I/O.

import type { BufferLine } from './codec.ts'

/** Limits of a {@link BufferAssembler}. */
export interface BufferLimits {
  /** Incomplete buffers older than this are dropped (MobWrite TIMEOUT_BUFFER: 15 min). */
  readonly expiryMs: number
  /** Most incomplete buffers held; the oldest go first. */
  readonly maxBuffers: number
  /** Largest buffer (sum of its chunks), in characters; a larger one is dropped. */
  readonly maxChars: number
}

interface Pending {
  readonly createdMs: number
  readonly chunks: (string | undefined)[]
  filled: number
  chars: number
}

/** What feeding one fragment did. */
export type FeedResult =
  | { readonly kind: 'pending' }
  | { readonly kind: 'ignored'; readonly reason: string }
  | { readonly kind: 'complete'; readonly request: string }

/** Collects `b:` fragments until a buffer is complete. One instance per gateway. */
export class BufferAssembler {
  private readonly pending = new Map<string, Pending>()

  constructor(private readonly limits: BufferLimits) {}

  /** Incomplete buffers held now. */
  get size(): number {
    return this.pending.size
  }

  /** Drops buffers created before `nowMs - expiryMs`. */
  expire(nowMs: number): void {
    for (const [key, p] of this.pending) {
      if (p.createdMs <= nowMs - this.limits.expiryMs) this.pending.delete(key)
    }
  }

  /**
   * Adds one fragment. When it completes its buffer, returns the reassembled request: the
   * chunks joined and percent-decoded, with its last character doubled so the request ends in
   * a blank line (core.py `feedBuffer`). A repeated fragment keeps the first copy.
   */
  feed(line: BufferLine, nowMs: number): FeedResult {
    this.expire(nowMs)
    const { id, total, index, chunk } = line
    if (index < 1 || index > total || total > this.limits.maxChars) {
      return { kind: 'ignored', reason: `Fragment ${index} of ${total} is out of range` }
    }
    const key = `${id} ${total}`
    let p = this.pending.get(key)
    if (!p) {
      p = { createdMs: nowMs, chunks: new Array<string | undefined>(total), filled: 0, chars: 0 }
      this.pending.set(key, p)
      this.evict()
    }
    if (p.chunks[index - 1] === undefined) {
      p.chunks[index - 1] = chunk
      p.filled++
      p.chars += chunk.length
    }
    if (p.chars > this.limits.maxChars) {
      this.pending.delete(key)
      return { kind: 'ignored', reason: `Buffer ${id} exceeds ${this.limits.maxChars} characters` }
    }
    if (p.filled < total) return { kind: 'pending' }
    this.pending.delete(key)
    return complete(p.chunks.join(''))
  }

  private evict(): void {
    for (const key of this.pending.keys()) {
      if (this.pending.size <= this.limits.maxBuffers) return
      this.pending.delete(key)
    }
  }
}

function complete(encoded: string): FeedResult {
  let text: string
  try {
    text = decodeURIComponent(encoded)
  } catch {
    return { kind: 'ignored', reason: 'Buffer contents do not percent-decode' }
  }
  return { kind: 'complete', request: text + text.slice(-1) }
}
