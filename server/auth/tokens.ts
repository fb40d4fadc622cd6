// Bearer tokens: 256 random bits shown once, kept only as a SHA-256 hash in the store, so a
// copy of the database does not hand out working tokens. Verify, revoke and list.

import { createHash, randomBytes } from 'node:crypto'
import { ErrorCode, SyncError } from '../../shared/errors.ts'
import type { Store, TokenRecord } from '../store/store.ts'
import { checkPrincipalName } from './names.ts'

// `tdm_` makes a leaked token recognisable to secret scanners; the rest is base64url.
const tokenPrefix = 'tdm_'
const secretBytes = 32
const idBytes = 6

/** A freshly issued token: `token` is the secret, shown once and never stored. */
export interface IssuedToken {
  readonly id: string
  readonly name: string
  readonly token: string
}

/** A token as listed: everything but the secret and its hash. */
export type TokenSummary = Omit<TokenRecord, 'hash'>

/** The SHA-256 (hex) that the store keeps for a token secret. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex')
}

/**
 * Issues a new token for principal `name` and stores its hash. Returns the secret once.
 * @throws SyncError `ERR_TOKEN_INVALID` when `name` is not an acceptable principal name.
 */
export function issueToken(store: Store, name: string, nowMs = Date.now()): IssuedToken {
  const problem = checkPrincipalName(name)
  if (problem !== undefined) throw new SyncError(ErrorCode.ERR_TOKEN_INVALID, problem)
  const id = randomBytes(idBytes).toString('hex')
  const token = tokenPrefix + randomBytes(secretBytes).toString('base64url')
  store.addToken({ id, name, hash: hashToken(token), createdMs: nowMs })
  return { id, name, token }
}

/**
 * The valid (not revoked) token record for a secret, or undefined. Lookup is by hash, so the
 * comparison never touches the secret itself and cannot leak it through timing.
 */
export function verifyToken(store: Store, token: string): TokenRecord | undefined {
  if (!token.startsWith(tokenPrefix) || token.length > 200) return undefined
  const record = store.findTokenByHash(hashToken(token))
  return record && record.revokedMs === null ? record : undefined
}

/**
 * Revokes tokens by principal name, or one token when `nameOrId` is a token id that exists.
 * Returns how many tokens were revoked (0 when nothing matched).
 */
export function revokeTokens(store: Store, nameOrId: string, nowMs = Date.now()): number {
  const byName = store.revokeTokens(nameOrId, nowMs)
  if (byName > 0) return byName
  return store.revokeToken(nameOrId, nowMs) ? 1 : 0
}

/** Every token without its hash, oldest first; revoked ones carry `revokedMs`. */
export function listTokens(store: Store): TokenSummary[] {
  return store
    .listTokens()
    .map(({ id, name, createdMs, revokedMs }) => ({ id, name, createdMs, revokedMs }))
}
