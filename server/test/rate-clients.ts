// Clients for the rate-limit suites, each counting what became of its requests: answered,
// refused by the rate limit (with an answer), failed otherwise, or never answered. Bayeux
// clients are the official CometD client, each with its own cookie jar (one browser each, as
// people behind one NAT are); gateway clients post `q=` forms as the original client's XHR does.

import type { CometD, Message } from 'cometd'
import { createCometD, disconnect, handshake, type CometDTransport } from './bayeux-clients.ts'
import { postForm, xhrBody } from './gateway-clients.ts'
import type { SendRequest } from './sync-sim.ts'

/** What became of a client's requests. */
export interface Tally {
  answered: number
  /** Refused by the rate limit, and told so. */
  refused: number
  /** Failed for another reason, with an answer. */
  failed: number
  /** No answer before the client's timeout. */
  unanswered: number
  /** The `retryAfterMs` of each refusal that carried one. */
  readonly retryAfterMs: number[]
  /** Refusals not by the client's own bucket (its token's or address's ran dry, or unsaid). */
  notPerClient: number
}

/** A tally with every count at 0. */
export const createTally = (): Tally => ({
  answered: 0,
  refused: 0,
  failed: 0,
  unanswered: 0,
  retryAfterMs: [],
  notPerClient: 0,
})

/** Sums tallies. */
export function sumTallies(tallies: readonly Tally[]): Tally {
  const sum = createTally()
  for (const t of tallies) {
    sum.answered += t.answered
    sum.refused += t.refused
    sum.failed += t.failed
    sum.unanswered += t.unanswered
    sum.retryAfterMs.push(...t.retryAfterMs)
    sum.notPerClient += t.notPerClient
  }
  return sum
}

/** A refusal the client was told about: it keeps its edits and sends them again later. */
export class RefusedError extends Error {
  constructor(readonly retryAfterMs: number | undefined) {
    super(`Rate limited; retry after ${retryAfterMs ?? '?'} ms`)
  }
}

// The client tier's refusal names it (server/auth/request-limit.ts).
const isPerClient = (message: unknown) =>
  typeof message === 'string' && message.includes('from one client')

function countFailure(reply: Message, tally: Tally): Error {
  const data = reply.data as
    { code?: unknown; retryAfterMs?: unknown; message?: unknown } | undefined
  if (data?.code === 'ERR_RATE_LIMITED') {
    tally.refused++
    if (!isPerClient(data.message)) tally.notPerClient++
    const after = typeof data.retryAfterMs === 'number' ? data.retryAfterMs : undefined
    if (after !== undefined) tally.retryAfterMs.push(after)
    return new RefusedError(after)
  }
  if (typeof reply.error === 'string' && reply.error.includes('timeout')) tally.unanswered++
  else tally.failed++
  // Not JSON.stringify(reply): a transport failure carries the transport (circular), and a
  // throw here would leave the call unsettled.
  const failure = (reply as { failure?: { reason?: unknown } }).failure
  return new Error(`No answer: ${String(reply.error)} ${String(failure?.reason ?? '')}`)
}

/** A handshaken CometD client (its own browser) whose remote calls are tallied. */
export interface CountedBayeuxClient {
  readonly cometd: CometD
  readonly tally: Tally
  /** A remote call on `mobwrite`; a refusal rejects with {@link RefusedError}. */
  readonly send: SendRequest
  disconnect(): Promise<unknown>
}

/** Handshakes a new CometD client on `bayeuxUrl` pinned to `transport`. */
export async function connectCounted(
  bayeuxUrl: string,
  transport: CometDTransport,
): Promise<CountedBayeuxClient> {
  const cometd = createCometD(bayeuxUrl, transport, { configure: { maxNetworkDelay: 10_000 } })
  const reply = await handshake(cometd, { ext: { tandem: { name: 'crowd' } } })
  if (!reply.successful) throw new Error(`Handshake refused: ${JSON.stringify(reply)}`)
  const tally = createTally()
  const send: SendRequest = (request, timeoutMs) =>
    new Promise((resolve, reject) => {
      cometd.remoteCall('mobwrite', { q: request }, timeoutMs, (reply) => {
        const data = reply.data as { a?: unknown } | undefined
        if (reply.successful && typeof data?.a === 'string') {
          tally.answered++
          resolve(data.a)
        } else reject(countFailure(reply, tally))
      })
    })
  // A server that is gone (or drowning) must not hold the test's teardown.
  const leave = () =>
    Promise.race([disconnect(cometd), new Promise((resolve) => setTimeout(resolve, 1_000))])
  return { cometd, tally, send, disconnect: leave }
}

/**
 * A sender posting `q=` forms to `gatewayUrl`, as the original client's XHR does. An `E:all:`
 * answer is handed on like any answer (the original client ignores `E:` lines and keeps its
 * edit stack); a rate-limit one is counted as refused.
 */
export function gatewaySender(gatewayUrl: string, tally: Tally): SendRequest {
  return async (request) => {
    let text: string
    try {
      text = (await postForm(gatewayUrl, xhrBody(request))).text
    } catch (err) {
      tally.unanswered++
      throw err
    }
    if (!text.endsWith('\n\n') && text !== '\n') tally.unanswered++
    else if (/^E:all:(ERR_RATE_LIMITED|Too many requests)/.test(text)) {
      tally.refused++
      if (!isPerClient(text)) tally.notPerClient++
    } else if (text.startsWith('E:all:')) tally.failed++
    else tally.answered++
    return text
  }
}
