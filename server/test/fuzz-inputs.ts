// Seeded input generators for the fuzzer (issue 14): MobWrite request lines, valid-ish and
// garbage, `b:` buffers, Bayeux JSON, and mutations of each. Pure: a seed always yields the
// same inputs. Everything here stays bounded (≤ ~128 KB an input) so a CI run is fast.

/** A seeded random source (mulberry32). */
export interface Rng {
  /** A float in [0, 1). */
  next(): number
  /** An integer in [0, n). */
  int(n: number): number
  pick<T>(items: readonly T[]): T
  chance(p: number): boolean
}

/** Creates the random source for `seed`. */
export function createRng(seed: number): Rng {
  let a = seed >>> 0
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
  const int = (n: number) => Math.floor(next() * n)
  return {
    next,
    int,
    pick: (items) => items[int(items.length)] as never,
    chance: (p) => next() < p,
  }
}

// Strings that break parsers: escapes, separators, surrogates, controls, huge numbers.
const nasty = [
  '%',
  '%Z',
  '%ZZ',
  '%E0%A4',
  '%ED%A0%80',
  '%C0%AF',
  '%00',
  '%25',
  '%0A%0A',
  '\u0000',
  '\ud800',
  '\udfff',
  '\ud83d\ude00',
  '\n',
  '\r',
  '\r\n',
  '\t',
  ':',
  '::',
  ' ',
  '+',
  '=',
  '-',
  '"',
  '\\',
  '{',
  '}',
  '[',
  ']',
  '\u2028',
  '\ufeff',
  '9'.repeat(30),
  '-1',
  '1e400',
  'NaN',
  '0x10',
  'é',
]
const numbers = [
  '0',
  '1',
  '2',
  '-1',
  '00',
  '',
  ' 1',
  '1.5',
  '1e3',
  '0x1',
  'NaN',
  'Infinity',
  '9007199254740993',
  '99999999999999999999999',
  '4294967296',
  '-0',
  'abc',
]
const ids = [
  'fz1',
  'fz2',
  'fz3',
  'a',
  '',
  ':',
  'é',
  '\ud800',
  '__proto__',
  'constructor',
  'x'.repeat(300),
]
const letters = [...'ufdrnbhCxEOmUFDRNBHXqSM?']

/** File names the fuzzer uses; none is the canary's (see {@link canaryName}). */
export function fileNames(seed: number): string[] {
  return [
    'fz-a',
    'fz-b',
    '__proto__',
    'constructor',
    'hasOwnProperty',
    'secret/x',
    'a/b/../c',
    '',
    ' ',
    'fz:colon',
    'fz%20a',
    'ｆｚ',
    'fz\u0000',
    'fz\ud800',
    'x'.repeat(250),
    'all',
    `${canaryName(seed)}-x`,
    `x${canaryName(seed)}`,
  ]
}

/** The canary document's name for a run: no fuzzed input names it. */
export const canaryName = (seed: number) => `canary-${seed.toString(36)}`

function randomText(r: Rng, max = 40): string {
  let s = ''
  const n = r.int(max)
  for (let i = 0; i < n; i++) {
    s += r.chance(0.15)
      ? r.pick(nasty)
      : String.fromCharCode(32 + r.int(r.chance(0.1) ? 0xffdf : 95))
  }
  return s
}

/** A delta: valid-ish tokens (`=n`, `-n`, `+text`), often not fitting the shadow. */
function delta(r: Rng): string {
  const tokens: string[] = []
  for (let i = r.int(6); i >= 0; i--) {
    const op = r.pick(['=', '-', '+', '=', '+', 'x', ''])
    if (op === '+') tokens.push('+' + encodeLoose(randomText(r, 12)).replace(/%20/g, ' '))
    else if (op === '' || op === 'x') tokens.push(op + randomText(r, 4))
    else tokens.push(op + (r.chance(0.7) ? String(r.int(20)) : r.pick(numbers)))
  }
  return tokens.join(r.chance(0.9) ? '\t' : r.pick(['\t\t', ' ', '%09']))
}

/** One request line: a known command with a plausible or broken value, or plain garbage. */
function line(r: Rng, files: readonly string[]): string {
  const ver = () => (r.chance(0.8) ? String(r.int(4)) : r.pick(numbers))
  const file = () => (r.chance(0.8) ? r.pick(files) : randomText(r, 20))
  const cmd = r.pick(letters)
  switch (cmd.toLowerCase()) {
    case 'u':
      return `${cmd}:${r.chance(0.8) ? r.pick(ids) : randomText(r)}`
    case 'f':
      return `${cmd}:${ver()}:${file()}`
    case 'd':
      return `${cmd}:${ver()}:${delta(r)}`
    case 'r':
      return `${cmd}:${ver()}:${encodeLoose(randomText(r, r.chance(0.02) ? 20_000 : 60))}`
    case 'n':
    case 'x':
      return `${cmd}:${r.chance(0.3) ? 'all' : file()}`
    case 'm':
      return `m:${r.chance(0.5) ? JSON.stringify(jsonValue(r, 3)) : randomText(r)}`
    case 'b':
      return `${cmd}:${r.pick(ids)} ${r.pick(numbers)} ${r.pick(numbers)} ${randomText(r)}`
    default:
      return r.chance(0.7) ? `${cmd}:${randomText(r)}` : randomText(r)
  }
}

/** A well-formed first sync: `u:`, `F:`, and a raw dump or a delta. */
function validRequest(r: Rng, files: readonly string[]): string {
  const text = randomText(r, 30)
  const edit = r.chance(0.5) ? `r:1:${encodeLoose(text)}` : `d:0:=${r.int(5)}`
  return `u:${r.pick(ids)}\nF:0:${r.pick(files)}\n${edit}\n\n`
}

/** A MobWrite request: generated lines, or a mutated valid request. */
export function mobwriteRequest(r: Rng, files: readonly string[]): string {
  if (r.chance(0.3)) return mutate(r, validRequest(r, files))
  const lines: string[] = []
  const n = r.chance(0.02) ? 300 : 1 + r.int(8)
  for (let i = 0; i < n; i++) lines.push(line(r, files))
  return (
    lines.join(r.chance(0.9) ? '\n' : '\r\n') +
    r.pick(['\n\n', '\n\n', '\r\n\r\n', '\r\r', '\n', ''])
  )
}

/** The `b:` fragments of `request` split in `n` parts (as core.js does), maybe shuffled or broken. */
export function bufferFragments(r: Rng, request: string): string[] {
  const data = encodeLoose(request)
  const n = 1 + r.int(5)
  const size = Math.ceil(data.length / n)
  const id = r.chance(0.8) ? `bz${r.int(1e6)}` : r.pick(ids)
  const fragments: string[] = []
  for (let i = 1; i <= n; i++) {
    const total = r.chance(0.9) ? String(n) : r.pick(numbers)
    const index = r.chance(0.9) ? String(i) : r.pick(numbers)
    fragments.push(`b:${id} ${total} ${index} ${data.slice((i - 1) * size, i * size)}\n\n`)
  }
  if (r.chance(0.5)) fragments.reverse()
  if (r.chance(0.2)) fragments.pop()
  if (r.chance(0.1)) fragments.push(fragments[0] ?? '')
  return fragments.map((f) => (r.chance(0.1) ? mutate(r, f) : f))
}

/** A random JSON value `depth` levels deep at most, with dangerous keys now and then. */
export function jsonValue(r: Rng, depth: number): unknown {
  const kind = r.int(depth > 0 ? 7 : 4)
  if (kind === 0) return r.pick([null, true, false, ''])
  if (kind === 1) return r.pick([0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 2, r.int(1000)])
  if (kind <= 3) return randomText(r, 20)
  if (kind === 4) return Array.from({ length: r.int(5) }, () => jsonValue(r, depth - 1))
  const keys = ['q', 'a', 'sync', '__proto__', 'constructor', 'ext', 'data', randomText(r, 6)]
  return Object.fromEntries(
    Array.from({ length: r.int(5) }, () => [r.pick(keys), jsonValue(r, depth - 1)]),
  )
}

const channels = [
  '/meta/handshake',
  '/meta/connect',
  '/meta/subscribe',
  '/meta/unsubscribe',
  '/meta/disconnect',
  '/service/mobwrite',
  '/service/mobwrite',
  '/doc/fz-a',
  '/fz/a',
  '/fz/*',
  '/fz/**',
  '/**',
  '/*',
  '/meta/',
  '/meta/nope',
  '/service/',
  '',
  'nope',
  '/a//b',
  '/a/b/',
  '/user/ann/x',
  '/\u0000',
  '/\ud800',
  '/' + 'x'.repeat(600),
  '/meta/handshake/x',
  '/service/**',
]
const junkIds = ['', 'nope', 'x'.repeat(5_000), '\ud800', 0, 1e308, null, [], {}]

/** The fields a message on `channel` carries, filled plausibly or wrongly. */
function metaFields(r: Rng, channel: unknown, files: readonly string[]): Record<string, unknown> {
  const junk = () => r.pick([null, 1, '', [], {}, 'x'.repeat(2_000), jsonValue(r, 2)])
  const m: Record<string, unknown> = {}
  if (channel === '/meta/handshake') {
    m.version = r.chance(0.8) ? '1.0' : junk()
    m.supportedConnectionTypes = r.chance(0.8) ? ['websocket', 'long-polling'] : junk()
    if (r.chance(0.2)) m.minimumVersion = junk()
  } else if (channel === '/meta/connect') {
    m.connectionType = r.chance(0.7)
      ? r.pick(['websocket', 'long-polling', 'callback-polling'])
      : junk()
  } else if (channel === '/meta/subscribe' || channel === '/meta/unsubscribe') {
    m.subscription = r.chance(0.7) ? r.pick(channels) : r.chance(0.5) ? channels : junk()
  } else if (channel === '/service/mobwrite') {
    m.data = r.chance(0.8) ? { q: mobwriteRequest(r, files) } : junk()
  } else if (r.chance(0.8)) {
    m.data = jsonValue(r, 4)
  }
  if (r.chance(0.2)) {
    const ext = r.pick([
      { ack: r.pick([true, -1, 1e308, 'x']) },
      { tandem: { name: junk(), token: junk() } },
    ])
    m.ext = r.chance(0.8) ? ext : junk()
  }
  if (r.chance(0.1))
    m.advice = { timeout: r.pick([-1, 0, 1e308]), interval: junk(), reconnect: junk() }
  return m
}

/** One Bayeux message for a session `clientId` (the real one most of the time). */
function bayeuxMessage(
  r: Rng,
  clientId: string,
  files: readonly string[],
): Record<string, unknown> {
  const channel = r.chance(0.92) ? r.pick(channels) : jsonValue(r, 1)
  const m: Record<string, unknown> = { channel, ...metaFields(r, channel, files) }
  if (r.chance(0.8)) m.clientId = r.chance(0.8) ? clientId : r.pick(junkIds)
  if (r.chance(0.6)) m.id = r.chance(0.7) ? String(r.int(1e6)) : r.pick(junkIds)
  return m
}

/** Nesting `depth` deep in JSON text, built as text (the generator must not recurse). */
function deepText(r: Rng, depth: number): string {
  return r.chance(0.5)
    ? '['.repeat(depth) + ']'.repeat(depth)
    : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)
}

/** A Bayeux request body: a batch, a deep message, a mutated batch, a bare value, garbage. */
export function bayeuxText(r: Rng, clientId: string, files: readonly string[]): string {
  const roll = r.next()
  const batch = () => {
    const n = r.chance(0.03) ? 200 : 1 + r.int(4)
    return JSON.stringify(Array.from({ length: n }, () => bayeuxMessage(r, clientId, files)))
  }
  if (roll < 0.6) return batch()
  if (roll < 0.72) {
    const depth = r.pick([10, 63, 64, 65, 100, 1_000, 6_000, 20_000])
    const channel = r.pick(['/fz/a', '/service/mobwrite', '/meta/connect', '/meta/handshake'])
    return `[{"channel":"${channel}","clientId":"${clientId}","id":"1","data":${deepText(r, depth)}}]`
  }
  if (roll < 0.9) return mutate(r, batch())
  if (roll < 0.95) return JSON.stringify(jsonValue(r, 3))
  return randomText(r, 200)
}

/** Applies 1–4 random edits: a nasty insertion, a deletion, a duplication, a cut. */
export function mutate(r: Rng, text: string): string {
  let s = text
  for (let n = 1 + r.int(4); n > 0; n--) {
    const at = r.int(s.length + 1)
    const op = r.int(5)
    if (op === 0) s = s.slice(0, at) + r.pick(nasty) + s.slice(at)
    else if (op === 1) s = s.slice(0, at) + s.slice(at + 1 + r.int(8))
    else if (op === 2) s = s.slice(0, at) + s.slice(at, at + r.int(30)).repeat(2) + s.slice(at)
    else if (op === 3) s = s.slice(0, at) + String.fromCharCode(r.int(0x10000)) + s.slice(at + 1)
    else if (r.chance(0.3)) s = s.slice(0, at)
  }
  return s
}

/**
 * encodeURIComponent that never throws: a lone surrogate becomes the three bytes a careless
 * encoder writes for it (CESU-8, invalid UTF-8), which is exactly what a server must survive.
 */
export function encodeLoose(text: string): string {
  try {
    return encodeURIComponent(text)
  } catch {
    let out = ''
    for (const ch of text) {
      const c = ch.charCodeAt(0)
      if (ch.length === 1 && c >= 0xd800 && c <= 0xdfff) {
        const bytes = [0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f)]
        out += bytes.map((b) => '%' + b.toString(16).toUpperCase()).join('')
      } else out += encodeURIComponent(ch)
    }
    return out
  }
}
