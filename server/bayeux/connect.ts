// /meta/connect: answer at once or hold until a delivery, the timeout, a newer connect or a
// disconnect (bayeux-notes §1.6.2, traps 4 and 6, multiple-clients §1.11, ack §3.1).
//
// request  MUST channel, clientId, connectionType   MAY ext, id, advice ({timeout: 0})
// response MUST channel, successful                  MAY error, advice, ext, clientId, id

import { BayeuxError } from '../../shared/bayeux/error.ts'
import { MetaChannel } from '../../shared/bayeux/channel.ts'
import type { Advice, BayeuxMessage } from '../../shared/bayeux/message.ts'
import { acknowledge, closeBatch } from './ack.ts'
import { type BayeuxCore, unknownClientReply } from './core.ts'
import { replyTo } from './meta.ts'
import { type HeldConnect, type SessionImpl, SessionState } from './session.ts'
import type { TransportContext } from './types.ts'

/**
 * Handles one `/meta/connect`. Resolves with the messages to send: queued deliveries then the
 * reply. `requestSize` is the number of messages in the same request (a batch is never held).
 */
export function handleConnect(
  core: BayeuxCore,
  message: BayeuxMessage,
  session: SessionImpl | undefined,
  ctx: TransportContext,
  requestSize: number,
): BayeuxMessage | Promise<BayeuxMessage[]> {
  const reply: BayeuxMessage = replyTo(message, { channel: MetaChannel.Connect })
  if (!session) return { ...reply, ...unknownClientReply }
  if (!core.options.transports.includes(ctx.transport)) {
    return { ...reply, successful: false, error: BayeuxError.ConnectionTypeInvalid }
  }
  session.transport = ctx.transport
  session.socket = ctx.connection ?? null
  // A newer connect cancels the held one (page reload, transport switch); its queue stays.
  session.held?.answer(false)
  session.expiresAt = Infinity
  if (session.ack) acknowledge(session.ack, message.ext?.ack)
  reply.successful = true
  reply.advice = core.advice()
  const timeoutMs = holdTime(core, message, session, requestSize)
  if (timeoutMs <= 0) return Promise.resolve(completeConnect(core, session, message, reply, true))
  const limited = multipleClientsAdvice(core, session, ctx)
  if (limited) {
    Object.assign(reply, limited)
    return Promise.resolve(completeConnect(core, session, message, reply, true))
  }
  return hold(core, session, message, reply, ctx, timeoutMs)
}

// Not held: the first connect, advice.timeout 0, a batch, or anything waiting (trap 4).
function holdTime(
  core: BayeuxCore,
  message: BayeuxMessage,
  session: SessionImpl,
  requestSize: number,
): number {
  if (session.state === SessionState.Handshaken || requestSize > 1) return 0
  if (session.queue.length > 0 || (session.ack?.unacked.length ?? 0) > 0) return 0
  const asked = message.advice?.timeout
  const server = core.options.timeoutMs
  return typeof asked === 'number' && asked >= 0 ? Math.min(asked, server) : server
}

// maxSessionsPerBrowser: extra HTTP long polls from one browser poll instead (§1.11).
function multipleClientsAdvice(
  core: BayeuxCore,
  session: SessionImpl,
  ctx: TransportContext,
): Partial<BayeuxMessage> | undefined {
  const browserId = session.browserId
  if (ctx.connection || browserId === undefined) return undefined
  const held = core.heldPerBrowser.get(browserId)
  if (!held || held.size < core.options.maxSessionsPerBrowser) return undefined
  const intervalMs = core.options.multiSessionIntervalMs
  if (intervalMs <= 0) {
    return { successful: false, error: BayeuxError.MultipleClients, advice: { reconnect: 'none' } }
  }
  const advice: Advice = { ...core.advice(), interval: intervalMs, 'multiple-clients': true }
  return { advice }
}

function hold(
  core: BayeuxCore,
  session: SessionImpl,
  request: BayeuxMessage,
  reply: BayeuxMessage,
  ctx: TransportContext,
  timeoutMs: number,
): Promise<BayeuxMessage[]> {
  session.setState(SessionState.Polling, 'connect held')
  return new Promise((resolve) => {
    const held = new Held(core, session, request, reply, ctx, resolve)
    held.timer = setTimeout(() => held.answer(true), timeoutMs)
    session.held = held
    if (!ctx.connection && session.browserId !== undefined) {
      const set = core.heldPerBrowser.get(session.browserId) ?? new Set()
      core.heldPerBrowser.set(session.browserId, set.add(session))
    }
    // Once answered, a later call is a no-op (`session.held` is no longer this one).
    ctx.onClientGone?.(() => held.answer(false))
  })
}

// A class rather than closures: one held connect per long poll, so it is a hot path.
class Held implements HeldConnect {
  timer: NodeJS.Timeout | undefined

  constructor(
    private readonly core: BayeuxCore,
    private readonly session: SessionImpl,
    readonly request: BayeuxMessage,
    private readonly reply: BayeuxMessage,
    readonly ctx: TransportContext,
    private readonly resolve: (messages: BayeuxMessage[]) => void,
  ) {}

  answer(deliver: boolean, override?: Partial<BayeuxMessage>): void {
    const session = this.session
    if (session.held !== this) return
    session.held = null
    clearTimeout(this.timer)
    releaseBrowserSlot(this.core, session)
    if (override) Object.assign(this.reply, override)
    this.resolve(completeConnect(this.core, session, this.request, this.reply, deliver))
  }
}

function releaseBrowserSlot(core: BayeuxCore, session: SessionImpl): void {
  const browserId = session.browserId
  const set = browserId === undefined ? undefined : core.heldPerBrowser.get(browserId)
  if (!set || browserId === undefined) return
  set.delete(session)
  if (set.size === 0) core.heldPerBrowser.delete(browserId)
}

/**
 * Finishes a connect reply: drains deliveries (closing an ack batch when acks are on), runs the
 * outgoing extensions, and arms the expiry `interval + maxInterval` from now.
 */
export function completeConnect(
  core: BayeuxCore,
  session: SessionImpl,
  request: BayeuxMessage,
  reply: BayeuxMessage,
  deliver: boolean,
): BayeuxMessage[] {
  let deliveries: BayeuxMessage[] = []
  if (deliver && session.isConnected && reply.successful) {
    deliveries = session.drain()
    if (session.ack) {
      const closed = closeBatch(session.ack, deliveries)
      reply.ext = { ...reply.ext, ack: closed.batch }
      deliveries = closed.messages
    }
  }
  if (session.isConnected) {
    if (session.state === SessionState.Handshaken) core.sessionConnected(session)
    if (session.state !== SessionState.Connected) session.setState(SessionState.Connected, 'reply')
    session.expiresAt = Date.now() + core.options.intervalMs + core.options.maxIntervalMs
  }
  const out = core.extensions.outgoing(reply, session, request)
  return out ? [...deliveries, out] : deliveries
}
