// A simulated editor for the sync tests: a local text of unique one-character token lines, the
// client half of diff sync (shared/sync/client.ts) and one request in flight. It records which
// tokens the server acknowledged, so crash tests can check that no acknowledged edit is lost.

import {
  applyAnswer,
  buildRequest,
  createClientView,
  type ClientView,
} from '../../shared/sync/client.ts'

/** Sends one request and resolves with the answer (a CometD remote call, usually). */
export type SendRequest = (request: string, timeoutMs: number) => Promise<string>

/** Counters of one simulated client. */
export interface SimStats {
  syncs: number
  failures: number
  /** Answers carrying `R:`/`r:` for the file (full-text resends from the server). */
  serverResyncs: number
  /** Requests carrying `r:`/`R:` for the file (full-text uploads by the client). */
  clientResyncs: number
}

/** One simulated editor on one file. */
export interface SimClient {
  readonly userId: string
  readonly file: string
  readonly text: string
  readonly view: ClientView
  /** Tokens inserted by this client, in order. */
  readonly inserted: readonly string[]
  /** This client's tokens the server acknowledged (a delta answered with F past it, no resync). */
  readonly acked: ReadonlySet<string>
  readonly stats: SimStats
  /** Every request with its answer (null: none came), oldest first, for failure reports. */
  readonly trace: { request: string; answer: string | null; atMs: number }[]
  /** Where requests go; replace it to move the client to another connection. */
  send: SendRequest
  /** Inserts a new token line at a random line start; returns the token. */
  insert(random: () => number): string
  /** One sync round trip; false when no answer came (the edits stay stacked). */
  sync(timeoutMs?: number): Promise<boolean>
}

// Every token is one character no other token uses (CJK ideographs, then Hangul), on a line of
// its own, inserted at a line start. A diff can never shift an insert into a token, and the
// engine's word-level merge sees each token as a word. (With multi-character tokens such as
// `<a#1>`, diff-match-patch slides an insert over shared characters, and two inserts at one spot
// can recombine into other valid-looking tokens: every character survives a merge, not every
// token. Without separators the whole text is one word, which the merge does not handle well.)
const tokenRanges: readonly [number, number][] = [
  [0x4e00, 0x9fff],
  [0xac00, 0xd7a3],
]
let nextToken = 0

function takeToken(): string {
  let n = nextToken++
  for (const [from, to] of tokenRanges) {
    if (n <= to - from) return String.fromCharCode(from + n)
    n -= to - from + 1
  }
  throw new RangeError(`Out of token characters after ${nextToken - 1}`)
}

function isToken(ch: string): boolean {
  const code = ch.charCodeAt(0)
  return tokenRanges.some(([from, to]) => code >= from && code <= to)
}

/** The tokens in `text`, in order. */
export function tokensIn(text: string): string[] {
  return [...text].filter(isToken)
}

function fileLines(text: string, file: string): string[] {
  const lines: string[] = []
  let current: string | undefined
  for (const line of text.split('\n')) {
    if (/^[Ff]:\d+:/.test(line)) current = line.replace(/^[Ff]:\d+:/, '')
    else if (current === file) lines.push(line)
  }
  return lines
}

function ackedVersion(request: string, answer: string, file: string): number | undefined {
  const sent = fileLines(request, file)
  // A raw upload is not adopted when the server has text: it acknowledges nothing.
  if (sent.some((l) => /^[Rr]:/.test(l))) return undefined
  const deltas = sent.filter((l) => /^[Dd]:\d+:/.test(l)).map((l) => Number(l.split(':')[1]))
  const f = new RegExp(`^F:(\\d+):${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm').exec(
    answer,
  )
  if (!f || deltas.length === 0) return undefined
  return Math.max(...deltas) < Number(f[1]) ? Math.max(...deltas) : undefined
}

/** Creates a client with empty text, sending through `send`. */
export function createSimClient(userId: string, file: string, send: SendRequest): SimClient {
  let text = ''
  let view = createClientView(file, { mergeChanges: true })
  const inserted: string[] = []
  const own = new Set<string>()
  const acked = new Set<string>()
  const stats: SimStats = { syncs: 0, failures: 0, serverResyncs: 0, clientResyncs: 0 }
  const trace: SimClient['trace'] = []

  const client: SimClient = {
    userId,
    file,
    get text() {
      return text
    },
    get view() {
      return view
    },
    inserted,
    acked,
    stats,
    trace,
    send,
    insert(random) {
      const token = takeToken()
      const starts = [0, ...[...text.matchAll(/\n/g)].map((m) => (m.index ?? 0) + 1)]
      const at = starts[Math.floor(random() * starts.length)] ?? 0
      text = text.slice(0, at) + token + '\n' + text.slice(at)
      inserted.push(token)
      own.add(token)
      return token
    },
    async sync(timeoutMs = 2_000) {
      const built = buildRequest(userId, [view], new Map([[file, text]]), { close: [] })
      view = built.views[0] ?? view
      const atBuild = tokensIn(text)
      if (fileLines(built.request, file).some((l) => /^[Rr]:/.test(l))) stats.clientResyncs++
      let answer: string
      const entry = { request: built.request, answer: null as string | null, atMs: Date.now() }
      trace.push(entry)
      try {
        answer = entry.answer = await client.send(built.request, timeoutMs)
      } catch {
        stats.failures++
        return false
      }
      stats.syncs++
      if (fileLines(answer, file).some((l) => /^[Rr]:/.test(l))) stats.serverResyncs++
      else if (ackedVersion(built.request, answer, file) !== undefined) {
        for (const token of atBuild) if (own.has(token)) acked.add(token)
      }
      const applied = applyAnswer(answer, [view], new Map([[file, text]]))
      view = applied.views[0] ?? view
      const result = applied.results.get(file)
      if (result?.textChanged) text = result.text
      return true
    },
  }
  return client
}

/**
 * Syncs every client in turn until all texts are equal and one more full round changes
 * nothing; resolves with that text. Fails after `timeoutMs`.
 */
export async function converge(clients: readonly SimClient[], timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs
  let stableRounds = 0
  let last = ''
  while (Date.now() < deadline) {
    for (const client of clients) await client.sync()
    const texts = new Set(clients.map((c) => c.text))
    const [text = ''] = texts
    stableRounds = texts.size === 1 && text === last ? stableRounds + 1 : 0
    last = text
    if (stableRounds >= 1) return text
  }
  throw new Error(
    `No convergence in ${timeoutMs} ms: ${clients.map((c) => c.text.length).join(', ')}`,
  )
}
