// The JSONP answer of the HTTP gateway: `mobwrite.callback("<answer>");` (mobwrite-notes §1.9).
// Pure; no I/O.

// The original escapes \ " LF CR. We also escape what could end the <script> element or the
// string (`<` for `</script>` and `<!--`, U+2028/U+2029 in pre-ES2019 engines), other control
// characters and lone surrogates (UTF-8 cannot carry them; with the `u` flag a well-formed pair
// is one code point and never matches). Tabs stay literal, as in deltas.
const unsafe = /[\\"\n\r<\u2028\u2029\u0000-\u0008\u000b-\u001f\u007f]|[\ud800-\udfff]/gu
const named: ReadonlyMap<string, string> = new Map([
  ['\\', '\\\\'],
  ['"', '\\"'],
  ['\n', '\\n'],
  ['\r', '\\r'],
])

function escapeChar(ch: string): string {
  const short = named.get(ch)
  if (short !== undefined) return short
  return '\\u' + ch.charCodeAt(0).toString(16).padStart(4, '0')
}

/** Escapes `text` for the inside of a double-quoted JavaScript string in a script context. */
export function escapeJsString(text: string): string {
  return text.replace(unsafe, escapeChar)
}

/**
 * The JSONP body for an answer. The answer goes without the gateway's extra blank line: the
 * client's `mobwrite.callback` appends the final `\n` itself.
 */
export function encodeJsonp(answer: string): string {
  return `mobwrite.callback("${escapeJsString(answer)}");`
}
