// Small pieces of MobWrite text the gateways build themselves: `E:` lines and request framing.
// Pure; no I/O.

import { isTerminated, writeLine } from '../../shared/mobwrite/codec.ts'

/**
 * An `E:` error line (Mozilla MobWrite, mobwrite-notes §1.3): `E:<file|all>:<message>\n`.
 * Line breaks in the message become spaces so the answer keeps one line per command.
 */
export function errorLine(message: string, file = 'all'): string {
  return writeLine({ type: 'error', file, message: message.replace(/[\r\n]+/g, ' ') }) + '\n'
}

/**
 * Adds the terminating blank line to a request whose framing already guarantees it is whole
 * (a WebSocket message): `"u:a\nF:0:d\nd:0:=1"` becomes `"…d:0:=1\n\n"`.
 */
export function terminate(text: string): string {
  if (text === '' || isTerminated(text)) return text
  return text.endsWith('\n') || text.endsWith('\r') ? text + '\n' : text + '\n\n'
}
