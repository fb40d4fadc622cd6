// Reads an HTTP request body with a byte limit. The body is read by hand, not by an Express
// body parser, so the form decoding stays strict (form.ts) and the limit is the gateway's own.

import type { IncomingMessage } from 'node:http'
import { ErrorCode, SyncError } from '../../shared/errors.ts'

/**
 * Resolves with the whole body, or rejects with `ERR_REQUEST_TOO_LARGE` as soon as it passes
 * `maxBytes` (a declared Content-Length over the limit is refused before reading a byte).
 * After a rejection the rest of the body is left unread: the caller answers and closes.
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const tooLarge = () =>
    new SyncError(
      ErrorCode.ERR_REQUEST_TOO_LARGE,
      `Request body larger than ${maxBytes} bytes (gateway.maxBodyBytes)`,
    )
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'])
    if (Number.isFinite(declared) && declared > maxBytes) return reject(tooLarge())
    const chunks: Buffer[] = []
    let total = 0
    const onData = (chunk: Buffer) => {
      total += chunk.length
      if (total > maxBytes) {
        cleanup()
        req.pause()
        return reject(tooLarge())
      }
      chunks.push(chunk)
    }
    const onEnd = () => {
      cleanup()
      resolve(Buffer.concat(chunks, total))
    }
    const onError = (err: Error) => {
      cleanup()
      reject(err)
    }
    const cleanup = () => {
      req.off('data', onData)
      req.off('end', onEnd)
      req.off('error', onError)
    }
    req.on('data', onData)
    req.on('end', onEnd)
    req.on('error', onError)
  })
}
