// Edits that can be told apart: every benchmark edit inserts a unique token `(<editor>.<seq>)`,
// so a peer knows which edits it has seen and the final text shows which edits survived. The
// seed text has no parentheses, and tokens are never split: inserts land between tokens.

/** Matches every token in a text; group 1 is its id. */
export const tokenPattern = /\(([0-9a-z]+\.[0-9a-z]+)\)/g

/** The token of edit `seq` by editor `editor`. */
export function makeToken(editor: number, seq: number): string {
  return `(${editor.toString(36)}.${seq.toString(36)})`
}

/** The id inside a token (what {@link tokenPattern} captures). */
export function tokenId(token: string): string {
  return token.slice(1, -1)
}

/** Moves a random position out of any token it falls inside. */
export function safeInsertPosition(text: string, pos: number): number {
  const open = text.lastIndexOf('(', pos - 1)
  if (open < 0 || text.lastIndexOf(')', pos - 1) > open) return pos
  const close = text.indexOf(')', pos)
  return close < 0 ? text.length : close + 1
}

/** Calls `found` with every token id in `text` between `from` and `to` (widened to whole tokens). */
export function scanTokens(
  text: string,
  found: (id: string) => void,
  from = 0,
  to = text.length,
): void {
  const slice = text.slice(Math.max(0, from - 24), Math.min(text.length, to + 24))
  for (const m of slice.matchAll(tokenPattern)) found(m[1] as string)
}

/** A deterministic pseudo-English text of about `bytes` characters, with no parentheses. */
export function seedText(bytes: number): string {
  const words = [
    'the',
    'quick',
    'brown',
    'fox',
    'jumps',
    'over',
    'lazy',
    'dog',
    'sync',
    'text',
    'shadow',
    'edit',
    'merge',
    'patch',
    'delta',
    'server',
    'client',
    'version',
  ]
  const out: string[] = []
  let length = 0
  for (let i = 0; length < bytes; i++) {
    const w = words[(i * 7 + (i >> 3)) % words.length] as string
    const piece = i % 12 === 11 ? `${w}.\n` : `${w} `
    out.push(piece)
    length += piece.length
  }
  return out.join('').slice(0, bytes)
}

/** A short, stable fingerprint of a text (FNV-1a over UTF-16 units), to compare final texts. */
export function fingerprint(text: string): string {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193)
  return `${(h >>> 0).toString(16)}/${text.length}`
}
