// The meta handlers other than connect (connect.ts): handshake, subscribe, unsubscribe,
// disconnect. Each reads like the spec table above it and always returns a reply, never throws.

import {
  isGlobalWildcard,
  isMeta,
  isService,
  isValidChannel,
  MetaChannel,
} from '../../shared/bayeux/channel.ts'
import { BayeuxError, deniedBySecurityPolicy, deniedError } from '../../shared/bayeux/error.ts'
import type { BayeuxMessage } from '../../shared/bayeux/message.ts'
import { createAckState, wantsAck } from './ack.ts'
import { createBrowserId } from './transports/context.ts'
import type { BayeuxCore } from './core.ts'
import { SessionImpl } from './session.ts'
import type { TransportContext } from './types.ts'

/** Copies the request's id onto a reply (every reply echoes it, trap 1). */
export function replyTo(message: BayeuxMessage, fields: BayeuxMessage): BayeuxMessage {
  return message.id === undefined ? fields : { id: message.id, ...fields }
}

/** A failed reply to `message` for an unknown session (`402::Unknown client`). */
export function unknownClient(
  message: BayeuxMessage,
  extra?: Partial<BayeuxMessage>,
): BayeuxMessage {
  return replyTo(message, {
    channel: message.channel,
    ...extra,
    successful: false,
    error: BayeuxError.UnknownClient,
  })
}

// /meta/handshake
// request  MUST channel, version, supportedConnectionTypes   MAY minimumVersion, ext, id
// success  MUST channel, version, supportedConnectionTypes, clientId, successful
// failure  MUST channel, successful, error                    MAY advice ({reconnect: none})
/** Handles `/meta/handshake`: negotiates, asks the security policy, creates the session. */
export async function handleHandshake(
  core: BayeuxCore,
  message: BayeuxMessage,
  ctx: TransportContext,
): Promise<BayeuxMessage> {
  const offered = core.options.transports
  const reply = replyTo(message, {
    channel: MetaChannel.Handshake,
    version: '1.0',
    minimumVersion: '1.0',
    supportedConnectionTypes: [...offered],
  })
  const refusal = checkHandshake(core, message, ctx)
  if (refusal) return { ...reply, ...refusal }
  const browserId = ctx.browserId ?? mintBrowserId(ctx)
  // Until its first /meta/connect, a session lives only briefly (handshake floods, issue 14).
  const expiresInMs = core.options.unconnectedSessionTimeoutMs
  const session = new SessionImpl(core, ctx.remoteAddress, message.ext, browserId, expiresInMs)
  const policy = core.security.policy
  if (policy.canHandshake && !(await policy.canHandshake(session, message, reply))) {
    // CometD §9.3.5.1: "If the advice is not modified it will default to disconnect the client".
    return {
      advice: { reconnect: 'none' },
      error: BayeuxError.HandshakeDenied,
      ...reply,
      successful: false,
    }
  }
  if (core.options.ackExtension && wantsAck(message.ext)) {
    session.ack = createAckState()
    reply.ext = { ...reply.ext, ack: true }
  }
  ctx.connection?.sessionIds.add(session.id)
  session.socket = ctx.connection ?? null
  core.addSession(session)
  return { ...reply, clientId: session.id, successful: true, advice: core.advice() }
}

function checkHandshake(
  core: BayeuxCore,
  message: BayeuxMessage,
  ctx: TransportContext,
): Partial<BayeuxMessage> | undefined {
  const none = { reconnect: 'none' } as const
  if (core.isStopping) {
    return {
      successful: false,
      error: BayeuxError.ServerStopping,
      advice: { reconnect: 'handshake', interval: 1_000 },
    }
  }
  if (message.version === undefined) {
    return { successful: false, error: BayeuxError.VersionMissing, advice: none }
  }
  const offered: readonly string[] = core.options.transports
  if (!message.supportedConnectionTypes?.some((type) => offered.includes(type))) {
    return { successful: false, error: BayeuxError.ConnectionTypesUnsupported, advice: none }
  }
  if (core.sessionMap.size >= core.options.maxSessions) {
    return {
      successful: false,
      error: BayeuxError.TooManySessions,
      advice: { reconnect: 'handshake', interval: 5_000 },
    }
  }
  // Per address and browser: one client cannot take the table (issue 14); it clears in seconds.
  const quotaError = core.quota.refusal(ctx.remoteAddress, ctx.browserId)
  if (quotaError) {
    return {
      successful: false,
      error: quotaError,
      advice: { reconnect: 'handshake', interval: 1_000 },
    }
  }
  return undefined
}

// CometD makes the browser cookie a random session cookie, set by the first handshake (§1.11).
// Over WebSocket the upgrade response already set one (websocket.ts), so this is HTTP only.
function mintBrowserId(ctx: TransportContext): string {
  const id = createBrowserId()
  ctx.newBrowserId = id
  return id
}

/** The subscription list of a (un)subscribe, or the error string when it is unusable. */
function subscriptionsOf(core: BayeuxCore, message: BayeuxMessage): string[] | string {
  const { subscription } = message
  if (subscription === undefined) return BayeuxError.SubscriptionMissing
  const list = typeof subscription === 'string' ? [subscription] : subscription
  const max = core.options.maxChannelChars
  if (list.length === 0 || !list.every((c) => isValidChannel(c, max))) {
    return BayeuxError.SubscriptionInvalid
  }
  return list
}

// /meta/subscribe
// request  MUST channel, clientId, subscription (name, pattern or array)   MAY ext, id
// response MUST channel, successful, subscription                           MAY error, advice, ext, id
/** Handles `/meta/subscribe`: entries in order, stopping at the first failure (CometD). */
export async function handleSubscribe(
  core: BayeuxCore,
  message: BayeuxMessage,
  session: SessionImpl | undefined,
): Promise<BayeuxMessage> {
  const reply = replyTo(message, {
    channel: MetaChannel.Subscribe,
    subscription: message.subscription,
  })
  if (!session) return unknownClient(message, { subscription: message.subscription })
  const list = subscriptionsOf(core, message)
  if (typeof list === 'string') return { ...reply, successful: false, error: list }
  for (const channel of list) {
    const error = await subscribeOne(core, session, channel, message)
    if (error) return { ...reply, successful: false, error }
  }
  return { ...reply, successful: true }
}

async function subscribeOne(
  core: BayeuxCore,
  session: SessionImpl,
  channel: string,
  message: BayeuxMessage,
): Promise<string | undefined> {
  // Meta channels are never subscribable; global wildcards only when allowed (§8.3.7).
  const isForbidden =
    isMeta(channel) || (isGlobalWildcard(channel) && !core.options.allowGlobalWildcards)
  if (isForbidden) return deniedError(deniedBySecurityPolicy, 'subscribe_denied')
  if (!core.channels.has(channel)) {
    const created = await core.security.authorize('create', channel, session, message)
    if (created.kind === 'deny') return deniedError(created.reason, 'create_denied')
    core.channels.set(channel, 0)
  }
  const allowed = await core.security.authorize('subscribe', channel, session, message)
  if (allowed.kind === 'deny') return deniedError(allowed.reason, 'subscribe_denied')
  // Service channels: a successful no-op, services never broadcast (App. C › Service Channels).
  if (isService(channel) || session.subscriptions.has(channel)) return undefined
  if (session.subscriptions.size >= core.options.maxSubscriptionsPerSession) {
    return BayeuxError.SubscriptionsExceeded
  }
  core.router.subscribe(session, channel)
  return undefined
}

// /meta/unsubscribe: the same fields as subscribe. Unsubscribing twice succeeds (idempotent).
/** Handles `/meta/unsubscribe`. */
export function handleUnsubscribe(
  core: BayeuxCore,
  message: BayeuxMessage,
  session: SessionImpl | undefined,
): BayeuxMessage {
  const reply = replyTo(message, {
    channel: MetaChannel.Unsubscribe,
    subscription: message.subscription,
  })
  if (!session) return unknownClient(message, { subscription: message.subscription })
  const list = subscriptionsOf(core, message)
  if (typeof list === 'string') return { ...reply, successful: false, error: list }
  for (const channel of list) core.router.unsubscribe(session, channel)
  return { ...reply, successful: true }
}

// /meta/disconnect
// request  MUST channel, clientId   MAY ext, id
// response MUST channel, successful MAY clientId, error, ext, id
/** Handles `/meta/disconnect`: removes the session, releasing its held connect with `none`. */
export function handleDisconnect(
  core: BayeuxCore,
  message: BayeuxMessage,
  session: SessionImpl | undefined,
): BayeuxMessage {
  if (!session) return unknownClient(message)
  core.removeSession(session, { expired: false, release: 'none' })
  return replyTo(message, { channel: MetaChannel.Disconnect, successful: true })
}
