// A well-behaved MobWrite client for the fuzzer and the churn test: writes the canary document
// before the run and reads it back after, through the HTTP gateway, as the original client
// would (a fresh view's first sync answers the whole text as a delta from nothing).

import DiffMatchPatch from 'diff-match-patch'
import { waitFor } from './harness.ts'

const dmp = new DiffMatchPatch()
let views = 0

/** One request to /scripts/q.py; retries while the server answers ERR_RATE_LIMITED. */
async function sync(url: string, request: string): Promise<string> {
  return waitFor(
    async () => {
      const res = await fetch(url + '/scripts/q.py', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'q=' + encodeURIComponent(request),
        signal: AbortSignal.timeout(10_000),
      })
      const text = await res.text()
      if (text.includes('ERR_RATE_LIMITED')) throw new Error(`rate limited: ${text}`)
      return text
    },
    { timeoutMs: 20_000, intervalMs: 250 },
  )
}

/** Writes `text` as the whole of document `file` (a forced raw dump from a new view). */
export async function writeDocument(url: string, file: string, text: string): Promise<void> {
  const answer = await sync(url, `u:writer${++views}\nF:0:${file}\nR:1:${encodeURI(text)}\n\n`)
  if (!answer.startsWith(`F:1:${file}\n`)) throw new Error(`Canary write answered ${answer}`)
}

/** The text of document `file`, read through a new view. */
export async function readDocument(url: string, file: string): Promise<string> {
  const answer = await sync(url, `u:reader${++views}\nF:0:${file}\nr:1:\n\n`)
  for (const line of answer.split('\n')) {
    const m = /^([dDrR]):\d+:(.*)$/.exec(line)
    if (!m) continue
    if (m[1] === 'r' || m[1] === 'R') return decodeURI(m[2] ?? '')
    return dmp.diff_text2(dmp.diff_fromDelta('', m[2] ?? ''))
  }
  throw new Error(`No text in the answer: ${JSON.stringify(answer)}`)
}

/** A long-polling session: its clientId and the browser cookie it is bound to. */
export interface LpSession {
  readonly clientId: string
  readonly cookie: string
}

/** Handshakes over long-polling and makes the first connect. */
export async function bayeuxSession(url: string): Promise<LpSession> {
  let cookie = ''
  const post = async (body: unknown) => {
    const res = await fetch(url + '/bayeux', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    })
    const set = res.headers.getSetCookie().map((c) => c.split(';')[0] ?? '')
    if (set.length > 0) cookie = set.join('; ')
    return (await res.json()) as Array<{ clientId?: string; successful?: boolean; error?: string }>
  }
  const handshake = {
    channel: '/meta/handshake',
    version: '1.0',
    supportedConnectionTypes: ['long-polling'],
  }
  const [reply] = await post([handshake])
  if (!reply?.successful || !reply.clientId)
    throw new Error(`Handshake failed: ${JSON.stringify(reply)}`)
  const clientId = reply.clientId
  const [connected] = await post([
    { channel: '/meta/connect', clientId, connectionType: 'long-polling' },
  ])
  if (!connected?.successful) throw new Error(`Connect failed: ${JSON.stringify(connected)}`)
  return { clientId, cookie }
}
