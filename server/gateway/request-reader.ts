// Framing of one raw MobWrite request on a byte stream (TCP gateway): the request ends at its
// first blank line, as the daemon's `readline` loop decided (mobwrite-notes §1.1): a line is
// bytes up to `\n`, and it is blank when only `\r`s precede the `\n`. Byte parser after ws's
// Receiver: named states, one small method per state, a loop that stops when input runs out.
// Pure; no I/O, no timers (the caller owns the read deadline).
//
//   LineStart ──'\n'──────────────────────────────▶ Done
//     │  └──'\r'──▶ BlankCr ──'\r'──┐ (stay)
//     │               │  └──'\n'──▶ Done
//     │               └──other──▶ InLine
//     └──other──▶ InLine ──'\n'──▶ LineStart
//   any state ── total > maxBytes ──▶ TooLarge

/** States of {@link RequestReader}. */
export const ReaderState = {
  /** At the first byte of a line. */
  LineStart: 'LineStart',
  /** A line that so far holds only `\r`: blank if `\n` comes next. */
  BlankCr: 'BlankCr',
  /** Inside a line with content, waiting for its `\n`. */
  InLine: 'InLine',
  /** The blank line was read; further bytes are ignored. */
  Done: 'Done',
  /** The request grew past the byte limit before its blank line. */
  TooLarge: 'TooLarge',
} as const

/** One of {@link ReaderState}. */
export type ReaderState = (typeof ReaderState)[keyof typeof ReaderState]

const lf = 0x0a
const cr = 0x0d

/** Accumulates bytes until a request's blank line (see the diagram above). */
export class RequestReader {
  /** Where the parser is. Changed only through {@link setState}. */
  state: ReaderState = ReaderState.LineStart
  private readonly chunks: Uint8Array[] = []
  private total = 0
  // Bytes of the request before its blank line (the blank line itself is not kept).
  private contentBytes = 0
  private lineStartOffset = 0

  constructor(readonly maxBytes: number) {
    if (!(maxBytes > 0)) throw new RangeError(`maxBytes must be positive, got ${maxBytes}`)
  }

  /** Whether the reader has stopped (request complete or too large). */
  get isFinished(): boolean {
    return this.state === ReaderState.Done || this.state === ReaderState.TooLarge
  }

  /** Feeds bytes; returns the state afterwards. Bytes after the blank line are ignored. */
  push(chunk: Uint8Array): ReaderState {
    let i = 0
    while (i < chunk.length && !this.isFinished) {
      const offset = this.total + i
      if (offset >= this.maxBytes) {
        this.setState(ReaderState.TooLarge)
        break
      }
      this.step(chunk[i]!, offset)
      i++
    }
    if (i > 0) this.chunks.push(chunk.subarray(0, i))
    this.total += i
    return this.state
  }

  /** The request's bytes without its blank line (each kept line still ends in `\n`). */
  content(): Uint8Array {
    return Buffer.concat(this.chunks).subarray(0, this.contentBytes)
  }

  private step(byte: number, offset: number): void {
    switch (this.state) {
      case ReaderState.LineStart:
        return this.onLineStart(byte, offset)
      case ReaderState.BlankCr:
        return this.onBlankCr(byte)
      case ReaderState.InLine:
        return this.onInLine(byte, offset)
      default:
        throw new RangeError(`RequestReader cannot step in state ${this.state}`)
    }
  }

  private onLineStart(byte: number, offset: number): void {
    this.lineStartOffset = offset
    if (byte === lf) this.finish()
    else if (byte === cr) this.setState(ReaderState.BlankCr)
    else this.setState(ReaderState.InLine)
  }

  private onBlankCr(byte: number): void {
    if (byte === lf) this.finish()
    else if (byte !== cr) this.setState(ReaderState.InLine)
  }

  private onInLine(byte: number, offset: number): void {
    if (byte === lf) {
      this.contentBytes = offset + 1
      this.setState(ReaderState.LineStart)
    }
  }

  private finish(): void {
    this.contentBytes = this.lineStartOffset
    this.setState(ReaderState.Done)
  }

  private setState(next: ReaderState): void {
    if (this.isFinished) throw new RangeError(`RequestReader: ${this.state} → ${next} not allowed`)
    this.state = next
  }
}
