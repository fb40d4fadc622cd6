// createBayeuxServer(): the API the rest of Tandem uses, and process(), which runs one request
// through decode → incoming extensions → handler → outgoing extensions, in order (§1.12).

import {
  isBroadcast,
  isMetaChannelName,
  isValidChannel,
  isWildcard,
  MetaChannel,
} from '../../shared/bayeux/channel.ts'
import { decodeMessage } from '../../shared/bayeux/codec.ts'
import { BayeuxError } from '../../shared/bayeux/error.ts'
import type { BayeuxMessage, ReplyMessage } from '../../shared/bayeux/message.ts'
import { defaultConfig } from '../config.ts'
import { logException } from '../log.ts'
import { handleConnect } from './connect.ts'
import { BayeuxCore } from './core.ts'
import {
  handleDisconnect,
  handleHandshake,
  handleSubscribe,
  handleUnsubscribe,
  replyTo,
} from './meta.ts'
import { broadcast, handlePublish } from './publish.ts'
import type { SessionImpl } from './session.ts'
import { createTimesyncExtension } from './timesync.ts'
import type {
  BayeuxOptions,
  BayeuxServer,
  ServerSession,
  TransportContext,
  WsConnection,
} from './types.ts'

/** What a handler returns: a reply (outgoing extensions still to run) or final messages. */
type Handled = BayeuxMessage | Promise<BayeuxMessage> | Promise<BayeuxMessage[]>

type MetaHandler = (
  core: BayeuxCore,
  message: BayeuxMessage,
  session: SessionImpl | undefined,
  ctx: TransportContext,
  requestSize: number,
) => Handled

// Dispatch by table (Faye `_methodFor`).
const metaHandlers: Record<MetaChannel, MetaHandler> = {
  [MetaChannel.Handshake]: (core, message, _session, ctx) => handleHandshake(core, message, ctx),
  [MetaChannel.Connect]: handleConnect,
  [MetaChannel.Subscribe]: (core, message, session) => handleSubscribe(core, message, session),
  [MetaChannel.Unsubscribe]: (core, message, session) => handleUnsubscribe(core, message, session),
  [MetaChannel.Disconnect]: (core, message, session) => handleDisconnect(core, message, session),
}

/** The server object transports need: the public API plus socket bookkeeping. */
export interface BayeuxServerInternal extends BayeuxServer {
  /** Tells the core a WebSocket closed, so held connects on it are released. */
  connectionClosed(connection: WsConnection): void
}

/**
 * Creates a Bayeux server; `options` override the `bayeux` section of the default config.
 * (Longer than 30 lines: it is the API object, one short method per entry.)
 */
export function createBayeuxServer(options?: Partial<BayeuxOptions>): BayeuxServerInternal {
  const core = new BayeuxCore(Object.freeze({ ...defaultConfig.bayeux, ...options }))
  validateOptions(core.options)
  if (core.options.timesyncExtension) {
    core.extensions.add(createTimesyncExtension(core.options.timesyncAccuracyTargetMs))
  }
  const sweeper = setInterval(() => core.sweep(), core.options.sweepPeriodMs)
  sweeper.unref()
  const lookup = (target: ServerSession | string) =>
    core.sessionMap.get(typeof target === 'string' ? target : target.id)
  return {
    options: core.options,
    process: (messages, ctx) => processRequest(core, messages, ctx),
    addService(channel, handler) {
      assertChannel(channel, 'addService')
      if (!channel.startsWith('/service/')) {
        throw new RangeError(`addService needs a /service/ channel, got ${channel}`)
      }
      core.channels.set(channel, 0)
      return core.services.add(channel, handler)
    },
    publish(channel, data) {
      assertChannel(channel, 'publish')
      if (!isBroadcast(channel) || isWildcard(channel)) {
        throw new RangeError(`publish needs a broadcast channel, got ${channel}`)
      }
      broadcast(core, channel, data)
    },
    deliver(target, channel, data) {
      const session = lookup(target)
      if (session) core.deliverTo(session, channel, data)
    },
    getSession: (clientId) => core.sessionMap.get(clientId),
    sessions: () => core.sessionMap.values(),
    on: (event, listener) => core.on(event, listener),
    addExtension: (extension) => core.extensions.add(extension),
    setSecurityPolicy(policy) {
      core.security.policy = policy
    },
    addAuthorizer(channel, authorizer) {
      assertChannel(channel, 'addAuthorizer')
      core.channels.set(channel, 0)
      return core.security.add(channel, authorizer)
    },
    dropSession(clientId) {
      const session = core.sessionMap.get(clientId)
      if (!session) return false
      core.removeSession(session, { expired: false, release: 'handshake' })
      return true
    },
    connectionClosed: (connection) => core.connectionClosed(connection),
    async close() {
      core.isStopping = true
      clearInterval(sweeper)
      for (const session of [...core.sessionMap.values()]) {
        session.held?.answer(true)
        core.removeSession(session, { expired: false, release: 'handshake' })
      }
    },
  }
}

function assertChannel(channel: string, method: string): void {
  if (!isValidChannel(channel))
    throw new TypeError(`${method}: invalid channel ${JSON.stringify(channel)}`)
}

function validateOptions(options: BayeuxOptions): void {
  for (const [key, value] of Object.entries(options)) {
    if (
      typeof value === 'number' &&
      (!Number.isFinite(value) || value < 0) &&
      key !== 'multiSessionIntervalMs'
    ) {
      throw new RangeError(`bayeux.${key} must be a non-negative number, got ${value}`)
    }
  }
  for (const key of ['sweepPeriodMs', 'maxJsonDepth', 'unconnectedSessionTimeoutMs'] as const) {
    if (options[key] <= 0) throw new RangeError(`bayeux.${key} must be > 0, got ${options[key]}`)
  }
}

/**
 * Runs one request. Deliveries for the requesting sessions wait until the whole request is
 * processed (CometD startBatch/endBatch), then go out first, before the replies.
 */
async function processRequest(
  core: BayeuxCore,
  raw: unknown[],
  ctx: TransportContext,
): Promise<ReplyMessage[]> {
  const replies: ReplyMessage[] = []
  const touched = new Set<SessionImpl>()
  // "A server MUST ignore any other message sent in the same request as a handshake message."
  const handshake = raw.find((m) => isHandshake(m))
  const batch = handshake === undefined ? raw : [handshake]
  try {
    for (const item of batch) {
      replies.push(...(await processOne(core, item, ctx, batch.length, touched)))
    }
  } finally {
    for (const session of touched) session.batchDepth--
  }
  const deliveries: BayeuxMessage[] = []
  for (const session of touched) {
    if (!session.isConnectDeliveryOnly) deliveries.push(...session.drain())
    else core.flush(session)
  }
  return [...deliveries, ...replies]
}

function isHandshake(raw: unknown): boolean {
  return (
    typeof raw === 'object' &&
    raw !== null &&
    (raw as { channel?: unknown }).channel === MetaChannel.Handshake
  )
}

async function processOne(
  core: BayeuxCore,
  raw: unknown,
  ctx: TransportContext,
  requestSize: number,
  touched: Set<SessionImpl>,
): Promise<ReplyMessage[]> {
  const decoded = decodeMessage(raw, core.options.maxChannelChars, core.options.maxJsonDepth)
  if ('failure' in decoded) {
    const { id, channel, error } = decoded.failure
    return [
      {
        ...(id === undefined ? {} : { id }),
        ...(channel === undefined ? {} : { channel }),
        successful: false,
        error,
      },
    ]
  }
  let message: BayeuxMessage | null = decoded.message
  const isHandshakeMessage = message.channel === MetaChannel.Handshake
  const session = isHandshakeMessage ? undefined : core.findSession(message.clientId, ctx)
  // A lone connect may be held; batching it would keep deliveries from waking it.
  const isLoneConnect = requestSize === 1 && message.channel === MetaChannel.Connect
  if (session && !touched.has(session) && !isLoneConnect) {
    touched.add(session)
    session.batchDepth++
  }
  if (session && message.channel !== MetaChannel.Connect) core.touch(session)
  const request = message
  message = core.extensions.incoming(message, session)
  if (!message)
    return [
      replyTo(request, {
        channel: request.channel,
        successful: false,
        error: BayeuxError.MessageDeleted,
      }),
    ]
  try {
    const handled = await dispatch(core, message, session, ctx, requestSize)
    if (Array.isArray(handled)) return handled
    const out = core.extensions.outgoing(handled, session, message)
    return out ? [out] : []
  } catch (err) {
    logException('bayeux handler threw', err, { channel: message.channel })
    return [
      replyTo(message, {
        channel: message.channel,
        successful: false,
        error: BayeuxError.ServerError,
      }),
    ]
  }
}

function dispatch(
  core: BayeuxCore,
  message: BayeuxMessage,
  session: SessionImpl | undefined,
  ctx: TransportContext,
  requestSize: number,
): Handled {
  const channel = message.channel
  if (isMetaChannelName(channel))
    return metaHandlers[channel](core, message, session, ctx, requestSize)
  return handlePublish(core, message, session)
}
