// The MobWrite delta format (diff_match_patch `diff_toDelta`/`diff_fromDelta`, mobwrite-notes
// §1.6): tab-separated `=N` keep, `-N` delete, `+text` insert, counted in UTF-16 code units.
// Here a delta is read into hunks over its source text and written from them. Pure.

import { decodeText, encodeText, fail, hasLoneSurrogate, ok, type Result } from './escape.ts'

/**
 * One replacement in a source text: `base.slice(start, end)` becomes `text`. Lists of hunks are
 * sorted, never overlap and never touch (touching hunks are one hunk).
 */
export interface Hunk {
  readonly start: number
  readonly end: number
  readonly text: string
}

/** A decoded delta: the text it produces and its hunks over the source text. */
export interface AppliedDelta {
  readonly text: string
  readonly hunks: readonly Hunk[]
}

/** Applies sorted, non-overlapping hunks to `base`. */
export function applyHunks(base: string, hunks: readonly Hunk[]): string {
  let out = ''
  let pos = 0
  for (const h of hunks) {
    out += base.slice(pos, h.start) + h.text
    pos = h.end
  }
  return out + base.slice(pos)
}

/**
 * Writes the delta that turns `base` into `applyHunks(base, hunks)`: `=N` runs between hunks,
 * then `-N` and `+text` for each hunk. An empty base and no hunks give `''`.
 */
export function toDelta(base: string, hunks: readonly Hunk[]): string {
  const tokens: string[] = []
  let pos = 0
  for (const h of hunks) {
    if (h.start > pos) tokens.push(`=${h.start - pos}`)
    if (h.end > h.start) tokens.push(`-${h.end - h.start}`)
    if (h.text) tokens.push(`+${encodeText(h.text)}`)
    pos = h.end
  }
  if (base.length > pos) tokens.push(`=${base.length - pos}`)
  return tokens.join('\t')
}

const count = /^\d{1,15}$/

interface Cursor {
  pos: number
  hunks: Hunk[]
  pending: { start: number; end: number; text: string } | null
}

function flush(c: Cursor): void {
  if (c.pending) c.hunks.push(c.pending)
  c.pending = null
}

function edit(c: Cursor, deleted: number, inserted: string): void {
  c.pending ??= { start: c.pos, end: c.pos, text: '' }
  c.pending.end += deleted
  c.pending.text += inserted
  c.pos += deleted
}

function readToken(base: string, token: string, c: Cursor): string | null {
  const op = token[0]
  const param = token.slice(1)
  if (op === '+') {
    const text = decodeText(param)
    if (!text.ok) return text.message
    edit(c, 0, text.value)
    return null
  }
  if ((op !== '=' && op !== '-') || !count.test(param)) {
    return `Invalid delta token ${JSON.stringify(token.slice(0, 20))}`
  }
  const n = Number(param)
  if (c.pos + n > base.length) {
    return `Delta length (>${c.pos + n}) exceeds source text length (${base.length})`
  }
  if (op === '-') edit(c, n, '')
  else if (n > 0) {
    flush(c)
    c.pos += n
  }
  return null
}

/**
 * Reads `delta` against its source text `base`. Fails (never throws) on an unknown token, a bad
 * count or escape, lengths that do not add up to `base.length` (MobWrite's only integrity check),
 * or an edit boundary that splits a surrogate pair of `base`.
 */
export function fromDelta(base: string, delta: string): Result<AppliedDelta> {
  const c: Cursor = { pos: 0, hunks: [], pending: null }
  for (const token of delta.split('\t')) {
    // Blank tokens are fine (dmp: "from a trailing \t").
    if (!token) continue
    const error = readToken(base, token, c)
    if (error) return fail(error)
  }
  flush(c)
  if (c.pos !== base.length) {
    return fail(`Delta length (${c.pos}) does not equal source text length (${base.length})`)
  }
  const text = applyHunks(base, c.hunks)
  if (hasLoneSurrogate(text) && !hasLoneSurrogate(base)) {
    return fail('Delta splits a surrogate pair')
  }
  return ok({ text, hunks: c.hunks.filter((h) => h.end > h.start || h.text) })
}
