// Publishing: a client's message to a broadcast or service channel, and server-side broadcast
// (bayeux-notes §1.7, §2.3, §2.5). The ack never carries `data` (trap 2); broadcast copies
// carry neither `id` nor `clientId` (trap 3).
//
// request  MUST channel, data      MAY clientId, id, ext
// response MUST channel, successful MAY id, error, ext

import { isMeta, isService, isWildcard } from '../../shared/bayeux/channel.ts'
import { BayeuxError, deniedBySecurityPolicy, deniedError } from '../../shared/bayeux/error.ts'
import type { BayeuxMessage } from '../../shared/bayeux/message.ts'
import type { BayeuxCore } from './core.ts'
import { replyTo, unknownClient } from './meta.ts'
import type { SessionImpl } from './session.ts'

/** Handles a publish from a client: authorizes, dispatches, acks. */
export async function handlePublish(
  core: BayeuxCore,
  message: BayeuxMessage,
  session: SessionImpl | undefined,
): Promise<BayeuxMessage> {
  const { channel } = message
  const reply = replyTo(message, { channel })
  if (!session) return unknownClient(message)
  if (isWildcard(channel)) return { ...reply, successful: false, error: BayeuxError.ChannelInvalid }
  // A /meta/ channel without a handler: CometD's policy refuses to create meta channels.
  if (isMeta(channel)) {
    return {
      ...reply,
      successful: false,
      error: deniedError(deniedBySecurityPolicy, 'create denied'),
    }
  }
  if (!core.channels.has(channel)) {
    const created = await core.security.authorize('create', channel, session, message)
    if (created.kind === 'deny') {
      return { ...reply, successful: false, error: deniedError(created.reason, 'create denied') }
    }
    core.channels.set(channel, 0)
  }
  const allowed = await core.security.authorize('publish', channel, session, message)
  if (allowed.kind === 'deny') {
    return { ...reply, successful: false, error: deniedError(allowed.reason, 'publish denied') }
  }
  if (isService(channel)) {
    core.services.dispatch(session, message, (target, answer) =>
      core.deliverMessage(target as SessionImpl, answer),
    )
  } else {
    broadcast(core, channel, message.data ?? null, message.ext)
  }
  return { ...reply, successful: true }
}

/**
 * Sends `data` to every subscriber of `channel` and of the patterns matching it, each once.
 * The outgoing extensions run once for the broadcast (CometD runs server `send` once), and the
 * same frozen message is queued for every subscriber.
 */
export function broadcast(
  core: BayeuxCore,
  channel: string,
  data: unknown,
  ext?: Record<string, unknown>,
): void {
  const subscribers = core.router.subscribersOf(channel)
  if (subscribers.size === 0) return
  const message: BayeuxMessage = {
    channel,
    data: data ?? null,
    ...(ext === undefined ? {} : { ext }),
  }
  const out = core.extensions.outgoing(message, undefined)
  if (!out) return
  Object.freeze(out)
  for (const session of subscribers) core.enqueue(session, out)
}
