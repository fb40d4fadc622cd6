// Runtime controls, after Ocsigen comet's Security module (deactivate, activate, set_timeout),
// made safe: switch push off and on, change the long-poll timeout and view expiry, end a
// document (its viewers are told, as ENDED_CHANNEL does), close a session. They act through
// public hooks only: a Bayeux extension (connect advice), a push route, the sync service API.

import { MetaChannel } from '../../shared/bayeux/channel.ts'
import type { BayeuxMessage } from '../../shared/bayeux/message.ts'
import { ErrorCode, SyncError } from '../../shared/errors.ts'
import type { BayeuxServer, BayeuxExtension } from '../bayeux/types.ts'
import type { OpsConfig } from '../config.ts'
import { log } from '../log.ts'
import type { SyncService } from '../sync/service.ts'

/** What {@link RuntimeControls.status} reports. */
export interface ControlStatus {
  readonly isPushActive: boolean
  readonly timeoutMs: number
  readonly viewExpiryMs: number | null
  readonly pollIntervalWithoutPushMs: number
  readonly endedDocuments: string[]
}

/** The message delivered on /service/mobwrite to the viewers of an ended document. */
export interface EndedNotice {
  readonly ended: string
}

/** The runtime controls; attach them to an app with {@link RuntimeControls.attach}. */
export interface RuntimeControls {
  /** Binds to the app's Bayeux server and sync service; returns the detacher. */
  attach(bayeux: BayeuxServer, sync: SyncService | undefined): () => void
  status(): ControlStatus
  /** Push off: no `{sync}` notices, connects are not held, advice says poll. On: as configured. */
  setPushActive(isActive: boolean): void
  /** Long-poll hold time from now on; at most the configured `bayeux.timeoutMs`. */
  setTimeoutMs(ms: number): void
  setViewExpiryMs(ms: number): void
  /** Closes every view of `file` and tells its viewers (`{ended}`; then `E:` on their next sync). */
  endDocument(file: string): Promise<{ closedViews: number; notifiedSessions: number }>
  /** Drops a Bayeux session (its client re-handshakes); false when unknown. */
  closeSession(clientId: string): boolean
  /** For the sync service's `checkName`: `E:` ERR_DOC_ENDED while a document is ended. */
  checkEnded(file: string): SyncError | undefined
}

/**
 * Creates the controls with the configured limits. (Longer than 30 lines: it is the API object,
 * one short method per control, plus the connect-advice extension.)
 */
export function createRuntimeControls(
  ops: Pick<OpsConfig, 'pollIntervalWithoutPushMs' | 'endedDocumentMs'>,
  maxTimeoutMs: number,
  initialViewExpiryMs: number,
): RuntimeControls {
  let isPushActive = true
  let timeoutMs = maxTimeoutMs
  let viewExpiryMs = initialViewExpiryMs
  const endedUntil = new Map<string, number>()
  let bayeux: BayeuxServer | undefined
  let sync: SyncService | undefined

  // Connect advice (bayeux-notes §1.5): without push the client polls every interval and the
  // server answers connects at once; a shorter timeout holds them less long.
  const extension: BayeuxExtension = {
    incoming(message) {
      if (message.channel !== MetaChannel.Connect) return message
      // As configured, the core already holds for min(asked, bayeux.timeoutMs): nothing to change.
      if (isPushActive && timeoutMs === maxTimeoutMs) return message
      const hold = isPushActive ? timeoutMs : 0
      const asked = message.advice?.timeout
      const timeout = typeof asked === 'number' && asked >= 0 ? Math.min(asked, hold) : hold
      return { ...message, advice: { ...message.advice, timeout } }
    },
    outgoing(message) {
      const channel = message.channel
      if (channel !== MetaChannel.Connect && channel !== MetaChannel.Handshake) return message
      if (!message.advice || message.successful !== true) return message
      if (message.advice.reconnect !== undefined && message.advice.reconnect !== 'retry')
        return message
      if (isPushActive && message.advice.timeout === timeoutMs) return message
      const advice = isPushActive
        ? { ...message.advice, timeout: timeoutMs }
        : { ...message.advice, timeout: 0, interval: ops.pollIntervalWithoutPushMs }
      return { ...message, advice } satisfies BayeuxMessage
    },
  }

  return {
    attach(server, service) {
      bayeux = server
      sync = service
      const removeExtension = server.addExtension(extension)
      // Tried before Bayeux delivery and the /mobwrite sockets: true swallows the notice.
      // Only change hints are swallowed: an ended notice still goes out while push is off.
      const removeRoute = service?.addPushRoute((_, notice) => !isPushActive && 'sync' in notice)
      return () => {
        removeRoute?.()
        removeExtension()
      }
    },
    status: () => ({
      isPushActive,
      timeoutMs,
      viewExpiryMs: sync ? viewExpiryMs : null,
      pollIntervalWithoutPushMs: ops.pollIntervalWithoutPushMs,
      endedDocuments: [...endedUntil.keys()].filter((file) => !isExpired(file)),
    }),
    setPushActive(isActive) {
      isPushActive = isActive
      log.info('push switched', { isPushActive })
    },
    setTimeoutMs(ms) {
      if (!Number.isInteger(ms) || ms < 0 || ms > maxTimeoutMs) {
        throw new RangeError(`timeoutMs must be an integer from 0 to ${maxTimeoutMs}, got ${ms}`)
      }
      timeoutMs = ms
    },
    setViewExpiryMs(ms) {
      if (!sync) throw new RangeError('This server has no sync service')
      sync.setViewExpiryMs(ms)
      viewExpiryMs = ms
    },
    async endDocument(file) {
      if (!sync) throw new RangeError('This server has no sync service')
      const sessions = sync.viewerSessions(file)
      endedUntil.set(file, Date.now() + ops.endedDocumentMs)
      const closedViews = await sync.closeViews(file)
      const notice: EndedNotice = { ended: file }
      // Through the sync service's routes: Bayeux sessions and `/mobwrite` sockets alike.
      for (const id of sessions) sync.sendNotice(id, notice)
      log.info('document ended', { file, closedViews })
      return { closedViews, notifiedSessions: sessions.length }
    },
    closeSession: (clientId) => bayeux?.dropSession(clientId) ?? false,
    checkEnded(file) {
      if (!endedUntil.has(file) || isExpired(file)) return undefined
      return new SyncError(
        ErrorCode.ERR_DOC_ENDED,
        'An administrator ended this document session; reopen it to continue',
      )
    },
  }

  function isExpired(file: string): boolean {
    const until = endedUntil.get(file)
    if (until === undefined || until > Date.now()) return false
    endedUntil.delete(file)
    return true
  }
}
