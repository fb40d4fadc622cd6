// Reads an HTTP request body with a byte limit and a deadline. The body is read by hand, not by
// an Express body parser, so the form decoding stays strict (form.ts) and the limits are the
// gateway's own.

import type { IncomingMessage } from 'node:http'
import { ErrorCode, SyncError } from '../../shared/errors.ts'

/** Limits of {@link readBody}. */
export interface BodyLimits {
  readonly maxBytes: number
  /** The whole body must arrive within this long (a client dripping bytes cannot extend it). */
  readonly timeoutMs: number
}

/**
 * Resolves with the whole body. Rejects with `ERR_REQUEST_TOO_LARGE` as soon as it passes
 * `maxBytes` (a declared Content-Length over the limit is refused before reading a byte), or
 * with `ERR_REQUEST_INVALID` when it is not complete by the deadline. After a rejection the
 * rest of the body is left unread: the caller answers and closes.
 */
export function readBody(req: IncomingMessage, limits: BodyLimits): Promise<Buffer> {
  const { maxBytes, timeoutMs } = limits
  const tooLarge = new SyncError(
    ErrorCode.ERR_REQUEST_TOO_LARGE,
    `Request body larger than ${maxBytes} bytes (gateway.maxBodyBytes)`,
  )
  const tooSlow = new SyncError(
    ErrorCode.ERR_REQUEST_INVALID,
    `Request body not received within ${timeoutMs} ms (gateway.httpBodyTimeoutMs)`,
  )
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'])
    if (Number.isFinite(declared) && declared > maxBytes) return reject(tooLarge)
    const chunks: Buffer[] = []
    let total = 0
    const settle = (outcome: () => void) => {
      clearTimeout(timer)
      req.off('data', onData).off('end', onEnd).off('error', onError)
      outcome()
    }
    const onData = (chunk: Buffer) => {
      total += chunk.length
      if (total <= maxBytes) return void chunks.push(chunk)
      req.pause()
      settle(() => reject(tooLarge))
    }
    const onEnd = () => settle(() => resolve(Buffer.concat(chunks, total)))
    const onError = (err: Error) => settle(() => reject(err))
    const timer = setTimeout(() => settle(() => reject(tooSlow)), timeoutMs)
    req.on('data', onData).on('end', onEnd).on('error', onError)
  })
}
