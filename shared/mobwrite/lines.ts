// The MobWrite line grammar (mobwrite-notes §1.2–§1.3): one record type per line letter, read and
// written by table. Values stay as on the wire (deltas and raw text escaped); decoding is the
// caller's, so reading a line never fails. Pure.

/**
 * One protocol line. Case carries meaning where MobWrite gives it one: `U:` asks for an echo,
 * `D:`/`R:` overwrite instead of merge, `H:` also asks for collaborator lines.
 */
export type Line =
  | { readonly type: 'user'; readonly echo: boolean; readonly user: string }
  | {
      readonly type: 'file'
      readonly upper: boolean
      readonly version: number
      readonly file: string
    }
  | {
      readonly type: 'delta'
      readonly force: boolean
      readonly version: number
      readonly data: string
    }
  | {
      readonly type: 'raw'
      readonly force: boolean
      readonly version: number
      readonly data: string
    }
  | { readonly type: 'nullify'; readonly upper: boolean; readonly file: string }
  | {
      readonly type: 'buffer'
      readonly upper: boolean
      readonly id: string
      readonly total: number
      readonly index: number
      readonly chunk: string
    }
  | { readonly type: 'meta'; readonly json: string }
  | { readonly type: 'close'; readonly upper: boolean; readonly file: string }
  | { readonly type: 'handle'; readonly upper: boolean; readonly handle: string }
  | { readonly type: 'collaborator'; readonly handle: string; readonly json: string }
  /** A bare `C:`: the file now has no other views (Tandem sends `C:` lines only on change). */
  | { readonly type: 'noCollaborators' }
  | { readonly type: 'error'; readonly file: string; readonly message: string }
  | { readonly type: 'readOnly'; readonly file: string }

type Reader = (value: string, upper: boolean) => Line | null

const versioned = /^(\d{1,15}):/

/** `<int>:<rest>` as core.py reads it for `FfDdRr`; null when the version is missing or bad. */
function splitVersion(value: string): { version: number; rest: string } | null {
  const m = versioned.exec(value)
  if (!m || m[1] === undefined) return null
  return { version: Number(m[1]), rest: value.slice(m[0].length) }
}

/** `b:<id> <total> <index> <chunk>` (space separated, 1-based index; §1.8). */
function readBuffer(value: string, upper: boolean): Line | null {
  const m = /^(\S+) (\d{1,9}) (\d{1,9}) (.*)$/s.exec(value)
  if (!m || m[1] === undefined || m[4] === undefined) return null
  return { type: 'buffer', upper, id: m[1], total: Number(m[2]), index: Number(m[3]), chunk: m[4] }
}

/** `C:<handle>:<json>`: the handle (`name:ip`) has colons, the JSON is the object at the end. */
function readCollaborator(value: string): Line | null {
  for (let i = value.indexOf(':{'); i >= 0; i = value.indexOf(':{', i + 1)) {
    const json = value.slice(i + 1)
    try {
      JSON.parse(json)
      return { type: 'collaborator', handle: value.slice(0, i), json }
    } catch {
      // The handle itself contained ':{'; try the next one.
    }
  }
  return null
}

function readError(value: string): Line | null {
  const i = value.indexOf(':')
  if (i < 0) return { type: 'error', file: value, message: '' }
  return { type: 'error', file: value.slice(0, i), message: value.slice(i + 1) }
}

const readers: Record<string, Reader> = {
  u: (value, upper) => ({ type: 'user', echo: upper, user: value }),
  f: (value, upper) => {
    const v = splitVersion(value)
    return v && { type: 'file', upper, version: v.version, file: v.rest }
  },
  d: (value, upper) => {
    const v = splitVersion(value)
    return v && { type: 'delta', force: upper, version: v.version, data: v.rest }
  },
  r: (value, upper) => {
    const v = splitVersion(value)
    return v && { type: 'raw', force: upper, version: v.version, data: v.rest }
  },
  n: (value, upper) => ({ type: 'nullify', upper, file: value }),
  b: readBuffer,
  m: (value) => ({ type: 'meta', json: value }),
  x: (value, upper) => ({ type: 'close', upper, file: value }),
  h: (value, upper) => ({ type: 'handle', upper, handle: value }),
  c: (value, upper) =>
    !upper ? null : value === '' ? { type: 'noCollaborators' } : readCollaborator(value),
  e: (value, upper) => (upper ? readError(value) : null),
  o: (value, upper) => (upper ? { type: 'readOnly', file: value } : null),
}

/**
 * Reads one line (without its line break). Returns null for junk, which MobWrite skips silently:
 * no `:` at index 1, an unknown letter, a missing or non-numeric version on `FfDdRr`.
 */
export function readLine(line: string): Line | null {
  if (line.length < 2 || line[1] !== ':') return null
  const name = line[0] ?? ''
  const reader = readers[name.toLowerCase()]
  if (!reader) return null
  return reader(line.slice(2), name !== name.toLowerCase())
}

function letter(lower: string, upper: boolean): string {
  return upper ? lower.toUpperCase() : lower
}

type Writer<T extends Line['type']> = (line: Extract<Line, { type: T }>) => string

const writers: { [T in Line['type']]: Writer<T> } = {
  user: (l) => `${letter('u', l.echo)}:${l.user}`,
  file: (l) => `${letter('f', l.upper)}:${l.version}:${l.file}`,
  delta: (l) => `${letter('d', l.force)}:${l.version}:${l.data}`,
  raw: (l) => `${letter('r', l.force)}:${l.version}:${l.data}`,
  nullify: (l) => `${letter('n', l.upper)}:${l.file}`,
  buffer: (l) => `${letter('b', l.upper)}:${l.id} ${l.total} ${l.index} ${l.chunk}`,
  meta: (l) => `m:${l.json}`,
  close: (l) => `${letter('x', l.upper)}:${l.file}`,
  handle: (l) => `${letter('h', l.upper)}:${l.handle}`,
  collaborator: (l) => `C:${l.handle}:${l.json}`,
  noCollaborators: () => 'C:',
  error: (l) => `E:${l.file}:${l.message}`,
  readOnly: (l) => `O:${l.file}`,
}

/** Writes one line without its line break. Values must not contain CR or LF. */
export function writeLine(line: Line): string {
  const writer = writers[line.type] as Writer<Line['type']>
  return writer(line)
}
