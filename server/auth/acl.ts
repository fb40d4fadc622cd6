// Access control: rules (document name pattern, principal, access) stored in the Store, the
// "most specific rule wins" resolution, and a default from config when no rule matches.
//
// Patterns: an exact document name (`notes/todo`), a prefix ending in one `*` (`notes/*`
// matches every name starting with `notes/`, at any depth), or `*` alone (every document).
// Principals: a user name (the principal a token authenticates), `anonymous` (clients without
// a token) or `*` (everyone, anonymous included).
//
// Specificity, most specific first:
//   1. the pattern: an exact name beats any prefix; a longer prefix beats a shorter one;
//      `*` (the empty prefix) comes last;
//   2. among rules with the same pattern, the principal: a user name beats `anonymous`,
//      which beats `*`.
// So `notes/secret * none` hides that document from alice even with `notes/* alice write`:
// a rule about a narrower set of documents always wins over one about a wider set.

import { anonymousPrincipal, checkDocName } from './names.ts'
import type { AccessLevel, AclRule, Store } from '../store/store.ts'

/**
 * Who asks: the principal a token authenticated, or `anonymous` (a name no token can hold, see
 * names.ts, so it always means a client without a token). The sync service's identity fits.
 */
export interface Principal {
  readonly principal: string
}

/** The access levels, most to least. */
export const accessLevels: readonly AccessLevel[] = ['write', 'read', 'none']

/** Whether `value` is an access level (`write`, `read`, `none`). */
export function isAccessLevel(value: unknown): value is AccessLevel {
  return typeof value === 'string' && (accessLevels as readonly string[]).includes(value)
}

/** Why `pattern` is not a valid rule pattern, or undefined when it is. */
export function checkPattern(pattern: string, maxDocNameChars: number): string | undefined {
  if (pattern === '*') return undefined
  const star = pattern.indexOf('*')
  if (star !== -1 && star !== pattern.length - 1) {
    return `Pattern "${pattern}" may only have one *, at the end (e.g. notes/*)`
  }
  if (star === -1) return checkDocName(pattern, maxDocNameChars)
  // A prefix is valid when some document name could start with it.
  const problem = checkDocName(pattern.slice(0, -1) + 'x', maxDocNameChars + 1)
  return problem === undefined ? undefined : `Pattern "${pattern}": ${problem}`
}

/** Whether a rule pattern matches document `file`. */
export function matchesPattern(pattern: string, file: string): boolean {
  return pattern.endsWith('*') ? file.startsWith(pattern.slice(0, -1)) : pattern === file
}

/** A pattern's rank: exact names rank above every prefix, longer prefixes above shorter. */
export function patternRank(pattern: string): number {
  return pattern.endsWith('*') ? pattern.length - 1 : Number.MAX_SAFE_INTEGER
}

/** A rule principal's rank for `who`, or undefined when the rule does not apply to `who`. */
export function principalRank(rulePrincipal: string, who: Principal): number | undefined {
  if (rulePrincipal === '*') return 0
  if (rulePrincipal === anonymousPrincipal)
    return who.principal === anonymousPrincipal ? 1 : undefined
  return rulePrincipal === who.principal ? 2 : undefined
}

/** The most specific rule among `rules` for `who` on `file`, or undefined when none applies. */
export function findRule(
  rules: readonly AclRule[],
  who: Principal,
  file: string,
): AclRule | undefined {
  let best: AclRule | undefined
  let bestRank: [number, number] = [-1, -1]
  for (const rule of rules) {
    const byPrincipal = principalRank(rule.principal, who)
    if (byPrincipal === undefined || !matchesPattern(rule.pattern, file)) continue
    const rank: [number, number] = [patternRank(rule.pattern), byPrincipal]
    if (rank[0] > bestRank[0] || (rank[0] === bestRank[0] && rank[1] > bestRank[1])) {
      best = rule
      bestRank = rank
    }
  }
  return best
}

/** The access `who` has to `file`: the most specific rule's, else `defaultAccess`. */
export function resolveAccess(
  rules: readonly AclRule[],
  who: Principal,
  file: string,
  defaultAccess: AccessLevel,
): AccessLevel {
  return findRule(rules, who, file)?.access ?? defaultAccess
}

/** Access decisions over the rules in a store. */
export interface AccessControl {
  /** The access `who` has to `file` right now. */
  accessFor(who: Principal, file: string): AccessLevel
  /** A snapshot function for one request: rules are read once, then reused for every file. */
  snapshot(who: Principal): (file: string) => AccessLevel
}

/**
 * Creates access control over `store`'s rules. Rules are re-read for every request (one small
 * SELECT), so a `tandem grant` from the CLI on the same database applies to the next request.
 */
export function createAccessControl(
  store: Store,
  options: { defaultAccess: AccessLevel },
): AccessControl {
  const snapshot = (who: Principal) => {
    const rules = store.listRules()
    return (file: string) => resolveAccess(rules, who, file, options.defaultAccess)
  }
  return { snapshot, accessFor: (who, file) => snapshot(who)(file) }
}
