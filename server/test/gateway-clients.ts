// Request encodings of the original MobWrite clients (core.js XHR and JSONP, the Java client's
// URLEncoder) and small HTTP/TCP helpers for the gateway tests. Written from mobwrite-notes
// §1.8–§1.9; no code of the original client is copied.

import { connect } from 'node:net'
import { runInNewContext } from 'node:vm'

/** POSTs a form body to `path` and returns status, content type and text. */
export async function postForm(
  url: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; type: string; text: string }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
    body,
  })
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() }
}

/** GETs `url` and returns status, content type and text. */
export async function get(url: string): Promise<{ status: number; type: string; text: string }> {
  const res = await fetch(url)
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() }
}

/** The XHR body core.js builds (`syncLoadAjax_`): `q=` + encodeURIComponent(text). */
export const xhrBody = (text: string) => 'q=' + encodeURIComponent(text)

/** The JSONP query core.js builds for a short request: `?p=` + encoded text, %20 → +. */
export const jsonpQuery = (text: string) => '?p=' + encodeURIComponent(text).replace(/%20/g, '+')

/** Java's `URLEncoder.encode(s, "UTF-8")`: unreserved `a-zA-Z0-9.-*_`, space → `+`. */
export function javaUrlEncode(text: string): string {
  let out = ''
  for (const byte of Buffer.from(text, 'utf8')) {
    const ch = String.fromCharCode(byte)
    if (/[A-Za-z0-9.\-*_]/.test(ch)) out += ch
    else if (ch === ' ') out += '+'
    else out += '%' + byte.toString(16).toUpperCase().padStart(2, '0')
  }
  return out
}

/**
 * The JSONP URLs core.js's `splitBlocks_` makes (mobwrite-notes §1.8), written from that
 * description: one URL when it fits in `maxChars`; otherwise the twice-encoded text is cut into
 * the fewest blocks that fit, never inside a `%25`, each sent as `b:<id> <N> <i> <chunk>`.
 */
export function splitBlocks(gateway: string, data: string, maxChars: number, id: string): string[] {
  const prefix = gateway + '?p='
  const encData = encodeURIComponent(data)
  const single = prefix + encData.replace(/%20/g, '+')
  if (single.length <= maxChars) return [single]
  const encEncData = encodeURIComponent(encData)
  for (let n = 1; n <= encEncData.length; n++) {
    const head = (i: number) => `${prefix}b%3A${id}+${n}+${i}+`
    const chunks: string[] = []
    let pos = 0
    for (let i = 1; i <= n && pos < encEncData.length; i++) {
      let end = Math.min(encEncData.length, pos + maxChars - head(i).length - '%0A%0A'.length)
      // Never cut inside a "%25" escape.
      if (encEncData[end - 1] === '%') end -= 1
      else if (encEncData[end - 2] === '%') end -= 2
      chunks.push(encEncData.slice(pos, end))
      pos = end
    }
    if (pos === encEncData.length) return chunks.map((c, i) => `${head(i + 1)}${c}%0A%0A`)
  }
  throw new RangeError(`Cannot split ${data.length} chars into URLs of ${maxChars}`)
}

/** One raw TCP exchange: writes `data`, half-closes if asked, resolves with every byte read. */
export function tcpExchange(
  port: number,
  data: string | Buffer,
  { halfClose = false } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    const chunks: Buffer[] = []
    socket.on('data', (c) => chunks.push(c))
    socket.on('error', reject)
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')))
    socket.write(data)
    if (halfClose) socket.end()
  })
}

/** An answer without its `C:` collaborator lines (the original client skips them). */
export const withoutCollaborators = (answer: string) => answer.replace(/^C:.*\n/gm, '')

/** Runs a JSONP body as a browser would; returns the text passed to mobwrite.callback. */
export function runJsonp(body: string): string {
  let text: unknown
  runInNewContext(body, { mobwrite: { callback: (t: unknown) => (text = t) } })
  if (typeof text !== 'string') throw new TypeError(`JSONP did not call back: ${body}`)
  return text
}
