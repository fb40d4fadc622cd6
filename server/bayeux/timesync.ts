// The `timesync` extension, server half (bayeux-notes §3.2, CometD TimesyncExtension): notes
// when a meta message arrived and answers `{tc, ts, p, a}` when the client's estimate is off.

import { isMeta } from '../../shared/bayeux/channel.ts'
import type { BayeuxMessage } from '../../shared/bayeux/message.ts'
import { isRecord } from '../../shared/bayeux/codec.ts'
import type { BayeuxExtension } from './types.ts'

/** Creates the extension; `accuracyTargetMs` is CometD's `accuracyTarget` (25 ms). */
export function createTimesyncExtension(accuracyTargetMs: number): BayeuxExtension {
  const receivedAt = new WeakMap<BayeuxMessage, number>()
  return {
    incoming(message) {
      if (isMeta(message.channel) && isRecord(message.ext?.timesync)) {
        receivedAt.set(message, Date.now())
      }
    },
    outgoing(reply, _session, request) {
      const ts = request && receivedAt.get(request)
      const sync = request?.ext?.timesync
      if (ts === undefined || !isRecord(sync) || typeof sync.tc !== 'number') return
      const answer = timesyncAnswer(sync, ts, accuracyTargetMs)
      if (answer) reply.ext = { ...reply.ext, timesync: answer }
    },
  }
}

function timesyncAnswer(
  sync: Record<string, unknown>,
  ts: number,
  accuracyTargetMs: number,
): Record<string, number> | undefined {
  const tc = sync.tc as number
  const p = Date.now() - ts
  const { l, o } = sync
  // An old-style request without `l` always gets {tc, ts, p}.
  if (typeof l !== 'number' || typeof o !== 'number') return { tc, ts, p }
  const a = tc + o + l - ts
  if (l === 0 || Math.abs(a) >= accuracyTargetMs) return { tc, ts, p, a }
  return undefined
}
