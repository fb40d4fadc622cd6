// CORS for the HTTP gateway (`gateway.corsOrigins`). JSONP needs none; XHR/fetch from another
// origin does. Tokens travel in the Authorization header, not cookies, so credentials are off.

import type { IncomingMessage } from 'node:http'

/** The CORS headers to add for a request from `origin` (none when it is not allowed). */
export function corsHeaders(
  origin: string | undefined,
  allowed: readonly string[],
): Array<[string, string]> {
  const headers: Array<[string, string]> = [['Vary', 'Origin']]
  if (origin === undefined || !(allowed.includes('*') || allowed.includes(origin))) return headers
  headers.push(
    ['Access-Control-Allow-Origin', origin],
    ['Access-Control-Allow-Methods', 'GET, POST, OPTIONS'],
    ['Access-Control-Allow-Headers', 'Authorization, Content-Type'],
    ['Access-Control-Max-Age', '600'],
  )
  return headers
}

/** Whether this is a CORS preflight (any OPTIONS request is answered as one). */
export function isPreflight(req: IncomingMessage): boolean {
  return req.method === 'OPTIONS'
}
