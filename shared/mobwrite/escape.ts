// MobWrite's text escaping for insert tokens and raw dumps (mobwrite-notes §1.6): encodeURI with
// literal spaces on output, full percent-decoding on input. Pure; never throws.

/** A value, or the reason there is none. Decoders return this instead of throwing. */
export type Result<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string }

/** A successful {@link Result}. */
export function ok<T>(value: T): Result<T> {
  return { ok: true, value }
}

/** A failed {@link Result}. */
export function fail<T>(message: string): Result<T> {
  return { ok: false, message }
}

const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g

/** Whether `text` holds a surrogate code unit that is not part of a pair. */
export function hasLoneSurrogate(text: string): boolean {
  loneSurrogate.lastIndex = 0
  return loneSurrogate.test(text)
}

/**
 * Replaces every unpaired surrogate with U+FFFD. The length stays the same (one code unit for
 * one), so delta counts are unaffected; encodeURI would otherwise throw `URIError`.
 */
export function toWellFormed(text: string): string {
  return hasLoneSurrogate(text) ? text.replace(loneSurrogate, '\ufffd') : text
}

/**
 * Escapes insert text or a raw dump the way dmp.js `diff_toDelta` does: `encodeURI`, then
 * `%20` back to a literal space. `+`, `:` and `#` stay literal; `%`, tab, CR, LF and all
 * non-ASCII become `%XX` of UTF-8. Unpaired surrogates are sent as U+FFFD.
 */
export function encodeText(text: string): string {
  return encodeURI(toWellFormed(text)).replace(/%20/g, ' ')
}

/**
 * Decodes insert text or a raw dump: every `%XX` is decoded (Python's `unquote`, a superset of
 * the JS client's `decodeURI`), `+` is a literal plus. Bad escapes or invalid UTF-8 fail.
 */
export function decodeText(text: string): Result<string> {
  if (!text.includes('%')) return ok(text)
  try {
    return ok(decodeURIComponent(text))
  } catch {
    return fail(`Invalid escape or UTF-8 in ${JSON.stringify(text.slice(0, 40))}`)
  }
}

/** Normalises line breaks to `\n` (the original `TextObj.setText`, mobwrite-notes §2.1). */
export function normalizeLineBreaks(text: string): string {
  return text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text
}
