// Names that come from the network or the CLI: document names, principal (user) names and
// display names. Validators return a problem message (or undefined) that callers wrap; pure.

import { ErrorCode, SyncError } from '../../shared/errors.ts'

// Letters and digits of any script, plus a few punctuation marks that are safe in URLs
// (`/d/<name>`), in MobWrite lines (`F:<n>:<name>`) and in file names. `*` is reserved for ACL
// patterns, `\` and control characters are never allowed.
const docNameChars = /^[\p{L}\p{N}._~:@+\-/]+$/u

// Principals are what tokens authenticate and rules name: short, ASCII, no wildcard. `*` and
// `anonymous` are reserved for rules; `~` starts anonymous handles (see identity.ts).
const principalChars = /^[A-Za-z0-9][A-Za-z0-9._@-]*$/

// Look-alike names (issue 14): a name must be in NFKC form, so fullwidth letters, ligatures and
// decomposed accents (NFD) cannot spell a second document that reads like the first; and the
// letters of each word (a run between `. _ ~ : @ + - /`) must come from one script, so
// `ѕecret/plan` (a Cyrillic ѕ) is refused instead of sitting outside the rules of `secret/*`.
// Han may join Hiragana and Katakana (Japanese), Hangul (Korean) or Bopomofo. Letters of a
// script not listed here count as one script "other". Whole-script look-alikes (every letter
// Cyrillic) stay possible: a different name that no ASCII rule names.
const scripts = (
  'Latin Greek Cyrillic Armenian Hebrew Arabic Syriac Thaana Devanagari Bengali Gurmukhi ' +
  'Gujarati Oriya Tamil Telugu Kannada Malayalam Sinhala Thai Lao Tibetan Myanmar Georgian ' +
  'Hangul Ethiopic Cherokee Khmer Mongolian Hiragana Katakana Bopomofo Han'
)
  .split(' ')
  .map((name) => ({ name, pattern: new RegExp(`^\\p{Script=${name}}$`, 'u') }))
const hanPartners: ReadonlyArray<ReadonlySet<string>> = [
  new Set(['Han', 'Hiragana', 'Katakana']),
  new Set(['Han', 'Hangul']),
  new Set(['Han', 'Bopomofo']),
]

function scriptOf(letter: string): string {
  return scripts.find((s) => s.pattern.test(letter))?.name ?? 'other'
}

// The first word of `name` whose letters mix scripts, or undefined.
function mixedScriptWord(name: string): string | undefined {
  for (const word of name.split(/[._~:@+\-/]+/)) {
    // ASCII words (the common case) cannot mix scripts.
    if (/^[\x00-\x7f]*$/.test(word)) continue
    // Letters shared by scripts (Common, Inherited: the Katakana-Hiragana `ー`) join any.
    const letters = Array.from(word.matchAll(/(?![\p{Script=Common}\p{Script=Inherited}])\p{L}/gu))
    const used = new Set(letters.map((m) => scriptOf(m[0])))
    if (used.size <= 1) continue
    if (!hanPartners.some((allowed) => [...used].every((s) => allowed.has(s)))) return word
  }
  return undefined
}

function lookAlikeProblem(name: string): string | undefined {
  const normal = name.normalize('NFKC')
  if (normal !== name) {
    return `Document name must be in Unicode NFKC form (fullwidth letters, ligatures and decomposed accents are refused): write it as "${normal}"`
  }
  const mixed = mixedScriptWord(name)
  return mixed === undefined
    ? undefined
    : `Document name mixes letters of several scripts in "${mixed}" (look-alike names are refused)`
}

/** Longest principal (user) name accepted by tokens and rules. */
export const maxPrincipalChars = 64

/** The principal of every client without a token; no token can be issued for it. */
export const anonymousPrincipal = 'anonymous'

/** Principal names with a meaning of their own in ACL rules (see acl.ts). */
export const reservedPrincipals: ReadonlySet<string> = new Set(['*', anonymousPrincipal])

/**
 * Why `name` is not an acceptable document name, or undefined when it is. Rejects the empty
 * name, names over `maxChars`, characters outside the allowed set, path tricks (a leading or
 * trailing `/`, `//`, and `.` or `..` segments), so a name can never climb out of a folder, and
 * look-alikes (not NFKC, or a word mixing scripts: see above).
 */
export function checkDocName(name: string, maxChars: number): string | undefined {
  if (name.length === 0) return 'Document name is empty'
  if (name.length > maxChars)
    return `Document name is ${name.length} characters long (at most ${maxChars})`
  if (!docNameChars.test(name)) {
    return 'Document name may only contain letters, digits and . _ ~ : @ + - /'
  }
  if (name.startsWith('/') || name.endsWith('/')) return 'Document name may not start or end with /'
  for (const segment of name.split('/')) {
    if (segment === '') return 'Document name may not contain //'
    if (segment === '.' || segment === '..') return 'Document name may not contain . or .. segments'
  }
  return lookAlikeProblem(name)
}

/** The `ERR_DOC_NAME_INVALID` error for `name`, or undefined when the name is acceptable. */
export function docNameError(name: string, maxChars: number): SyncError | undefined {
  const problem = checkDocName(name, maxChars)
  return problem === undefined ? undefined : new SyncError(ErrorCode.ERR_DOC_NAME_INVALID, problem)
}

/** Why `name` cannot be a token's principal, or undefined when it can (reserved names refused). */
export function checkPrincipalName(name: string): string | undefined {
  if (name.length === 0) return 'User name is empty'
  if (name.length > maxPrincipalChars) {
    return `User name is ${name.length} characters long (at most ${maxPrincipalChars})`
  }
  if (reservedPrincipals.has(name)) return `"${name}" is reserved for rules and cannot hold a token`
  if (!principalChars.test(name)) {
    return 'User name must start with a letter or digit and contain only letters, digits and . _ @ -'
  }
  return undefined
}

/**
 * A display name made safe to put in a handle (`name:ip`) and a `C:` line: control characters,
 * `:` and whitespace runs become single spaces, the ends are trimmed, the length is cut to
 * `maxChars` (never inside a surrogate pair). Non-strings and empty results give `fallback`.
 */
export function sanitizeDisplayName(raw: unknown, maxChars: number, fallback: string): string {
  if (typeof raw !== 'string') return fallback
  // C0/C1 controls, separators that break lines, and ':' which delimits the handle.
  const cleaned = raw
    .replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}:]+/gu, ' ')
    .replace(/\s+/gu, ' ')
    .trim()
  const cut = Array.from(cleaned)
  let out = ''
  for (const ch of cut) {
    if (out.length + ch.length > maxChars) break
    out += ch
  }
  out = out.trim()
  return out === '' ? fallback : out
}
