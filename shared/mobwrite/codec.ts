// MobWrite requests and answers as text ⇄ records (mobwrite-notes §1.2, §1.7). Parsing never
// throws: junk lines are skipped as core.py skips them, `h:`/`H:` lines from the network are
// dropped (the server supplies the trusted handle, §6.4 item 7). Pure; no I/O.

import { readLine, writeLine, type Line } from './lines.ts'

export { readLine, writeLine, type Line } from './lines.ts'

/** A `b:`/`B:` fragment line (§1.8). */
export type BufferLine = Extract<Line, { type: 'buffer' }>

/**
 * One thing a request asks the server to do, with the parse state it was read in (core.py
 * `parseRequest`): the current `u:` user, the current `f:` file and its server version.
 */
export type Action =
  | {
      readonly kind: 'delta' | 'raw'
      readonly user: string
      readonly file: string
      /** From the file line: the server version the client expects next (its ack). */
      readonly serverVersion: number
      /** From the `d:`/`r:` line: the client version this edit carries. */
      readonly clientVersion: number
      /** The line's value as on the wire (escaped). */
      readonly data: string
      /** Uppercase `D:`/`R:`: overwrite instead of merge. */
      readonly force: boolean
      /** The last user line was `U:`: echo `u:<user>` in the answer. */
      readonly echoUser: boolean
    }
  | { readonly kind: 'nullify'; readonly user: string; readonly file: string }
  | {
      readonly kind: 'close'
      readonly user: string
      readonly file: string
      readonly isAll: boolean
    }
  | { readonly kind: 'meta'; readonly user: string; readonly file: string; readonly json: string }

/** A parsed request. */
export interface ParsedRequest {
  /** Whether the text ended in a blank line. Unterminated requests have no actions (§1.2). */
  readonly terminated: boolean
  /** Every well-formed line before the blank line, `h:`/`H:` excluded. */
  readonly lines: readonly Line[]
  /** What to do, in request order. */
  readonly actions: readonly Action[]
  /** The first `b:` line: then the request is a buffer fragment and has no actions. */
  readonly buffer: BufferLine | null
  /** Lines skipped as junk. */
  readonly skipped: number
}

/** A parsed answer (client side). */
export interface ParsedAnswer {
  /** Whether the text ended in a blank line (daemon answers arrive without one on Bayeux). */
  readonly terminated: boolean
  /** Every well-formed line before the first blank line. */
  readonly lines: readonly Line[]
}

const terminators = ['\n\n', '\r\r', '\n\r\n\r', '\r\n\r\n']

/** Whether `text` ends in a blank line, in any of the forms the daemon accepts. */
export function isTerminated(text: string): boolean {
  return terminators.some((t) => text.endsWith(t))
}

/** Splits into lines (`\n`, `\r\n` or `\r`, as Python's `splitlines`) up to the first blank. */
function readLines(text: string): { lines: Line[]; skipped: number } {
  const lines: Line[] = []
  let skipped = 0
  for (const raw of text.split(/\r\n|\r|\n/)) {
    if (!raw) break
    const line = readLine(raw)
    if (line) lines.push(line)
    else skipped++
  }
  return { lines, skipped }
}

interface ParseState {
  user: string
  file: string
  serverVersion: number
  echoUser: boolean
  meta: string | null
}

type Step = (line: Line, s: ParseState) => Action | null

const steps: Partial<Record<Line['type'], Step>> = {
  user: (l, s) => {
    if (l.type !== 'user') return null
    s.user = l.user
    s.echoUser = l.echo
    return null
  },
  file: (l, s) => {
    if (l.type !== 'file') return null
    s.file = l.file
    s.serverVersion = l.version
    // Mozilla: `m:` comes before the file line it describes.
    const json = s.meta
    s.meta = null
    return json !== null && s.user && s.file
      ? { kind: 'meta', user: s.user, file: s.file, json }
      : null
  },
  meta: (l, s) => {
    if (l.type === 'meta') s.meta = l.json
    return null
  },
  nullify: (l, s) => {
    if (l.type !== 'nullify') return null
    s.file = l.file
    return s.user && s.file ? { kind: 'nullify', user: s.user, file: s.file } : null
  },
  close: (l, s) => {
    if (l.type !== 'close' || !s.user || !l.file) return null
    return { kind: 'close', user: s.user, file: l.file, isAll: l.file === 'all' }
  },
  delta: edit,
  raw: edit,
}

function edit(l: Line, s: ParseState): Action | null {
  if ((l.type !== 'delta' && l.type !== 'raw') || !s.user || !s.file) return null
  return {
    kind: l.type,
    user: s.user,
    file: s.file,
    serverVersion: s.serverVersion,
    clientVersion: l.version,
    data: l.data,
    force: l.force,
    echoUser: s.echoUser,
  }
}

/**
 * Parses a request (the text up to and including its blank line). Never throws. An
 * unterminated request, or one carrying a `b:` line, yields no actions.
 */
export function parseRequest(text: string): ParsedRequest {
  const terminated = isTerminated(text)
  const read = readLines(text)
  const lines = read.lines.filter((l) => l.type !== 'handle')
  const buffer = (lines.find((l) => l.type === 'buffer') as BufferLine | undefined) ?? null
  const actions: Action[] = []
  if (terminated && !buffer) {
    const s: ParseState = { user: '', file: '', serverVersion: 0, echoUser: false, meta: null }
    for (const line of lines) {
      const action = steps[line.type]?.(line, s)
      if (action) actions.push(action)
    }
  }
  return { terminated, lines, actions, buffer, skipped: read.skipped }
}

/** Writes request lines followed by the terminating blank line. */
export function serializeRequest(lines: readonly Line[]): string {
  return lines.map((l) => writeLine(l) + '\n').join('') + '\n'
}

/**
 * Parses an answer. Lines after the first blank line are ignored; an answer without the final
 * blank line is still read (`terminated` tells), since Bayeux carries the daemon's bytes as is.
 */
export function parseAnswer(text: string): ParsedAnswer {
  return { terminated: isTerminated(text), lines: readLines(text).lines }
}

/** Writes answer lines the daemon's way: each ends in `\n`, no blank line (`''` when empty). */
export function serializeAnswer(lines: readonly Line[]): string {
  return lines.map((l) => writeLine(l) + '\n').join('')
}
