// application/x-www-form-urlencoded decoding for the HTTP gateway (mobwrite-notes §1.9): `+` is
// a space, `%XX` is a byte, the bytes are UTF-8. Strict where browsers are lenient: a broken
// escape or invalid UTF-8 is an error, never a silently altered document. Pure; no I/O.

import { ErrorCode, SyncError } from '../../shared/errors.ts'

const plus = 0x2b
const percent = 0x25
const ampersand = 0x26
const equals = 0x3d
const space = 0x20

// fatal: invalid UTF-8 throws; ignoreBOM: a leading U+FEFF is text, not a marker to drop.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

function hexValue(byte: number | undefined): number {
  if (byte === undefined) return -1
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30
  const lower = byte | 0x20
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1
}

/**
 * Decodes one form component (`+` → space, `%XX` → byte, bytes as UTF-8).
 * @throws SyncError `ERR_REQUEST_INVALID` on a bad escape or invalid UTF-8.
 */
export function decodeFormComponent(bytes: Uint8Array): string {
  const out = new Uint8Array(bytes.length)
  let n = 0
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!
    if (byte === plus) out[n++] = space
    else if (byte !== percent) out[n++] = byte
    else {
      const high = hexValue(bytes[i + 1])
      const low = hexValue(bytes[i + 2])
      if (high < 0 || low < 0) {
        throw new SyncError(ErrorCode.ERR_REQUEST_INVALID, `Invalid percent escape at byte ${i}`)
      }
      out[n++] = high * 16 + low
      i += 2
    }
  }
  try {
    return utf8.decode(out.subarray(0, n))
  } catch {
    throw new SyncError(ErrorCode.ERR_REQUEST_INVALID, 'Form data is not valid UTF-8')
  }
}

/**
 * Decodes a form body or query string into its fields. The first occurrence of a name wins
 * (as `cgi.FieldStorage.getfirst` in the original gateway); empty pairs are skipped.
 * @throws SyncError `ERR_REQUEST_INVALID` on a bad escape or invalid UTF-8.
 */
export function decodeForm(input: Uint8Array | string): Map<string, string> {
  const bytes = typeof input === 'string' ? Buffer.from(input, 'latin1') : input
  const fields = new Map<string, string>()
  let start = 0
  while (start <= bytes.length) {
    let end = bytes.indexOf(ampersand, start)
    if (end < 0) end = bytes.length
    if (end > start) {
      const pair = bytes.subarray(start, end)
      const eq = pair.indexOf(equals)
      const name = decodeFormComponent(eq < 0 ? pair : pair.subarray(0, eq))
      const value = eq < 0 ? '' : decodeFormComponent(pair.subarray(eq + 1))
      if (!fields.has(name)) fields.set(name, value)
    }
    start = end + 1
  }
  return fields
}
