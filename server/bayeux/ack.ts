// The `ack` extension's bookkeeping: batch numbers and the unacknowledged messages that are
// re-sent on every /meta/connect reply until a later connect acknowledges them
// (bayeux-notes §3.1, CometD AcknowledgedMessagesExtension). Pure data, no I/O.

import type { BayeuxMessage } from '../../shared/bayeux/message.ts'

/** Per-session ack state. The server's batch counter starts at 1. */
export interface AckState {
  batch: number
  unacked: Array<{ batch: number; message: BayeuxMessage }>
}

/** Fresh state for a session that negotiated acks. */
export function createAckState(): AckState {
  return { batch: 1, unacked: [] }
}

/** Whether the handshake asked for acks: the client sends boolean `true` (trap 9); accept "true". */
export function wantsAck(ext: Record<string, unknown> | undefined): boolean {
  const value = ext?.ack
  return value === true || value === 'true'
}

/** Drops messages the client acknowledged: everything in batches `<= ackId`. */
export function acknowledge(state: AckState, ackId: unknown): void {
  if (typeof ackId !== 'number' || !Number.isFinite(ackId)) return
  state.unacked = state.unacked.filter((entry) => entry.batch > ackId)
}

/**
 * Closes the current batch with `fresh` messages and returns its number plus every message
 * still unacknowledged (older first), which the connect reply carries.
 */
export function closeBatch(
  state: AckState,
  fresh: BayeuxMessage[],
): { batch: number; messages: BayeuxMessage[] } {
  const batch = state.batch++
  for (const message of fresh) state.unacked.push({ batch, message })
  return { batch, messages: state.unacked.map((entry) => entry.message) }
}
