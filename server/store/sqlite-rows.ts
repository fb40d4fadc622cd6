// Row ↔ record translation for SqliteStore. Free text is TEXT when well-formed and a UTF-16LE
// BLOB otherwise, because SQLite's TEXT is UTF-8 and would turn a lone surrogate into U+FFFD.

import type { DocumentState, StackedEdit, ViewState } from '../../shared/sync/types.ts'
import type { CachedView } from './sqlite-files.ts'
import type { AclRule, AccessLevel, DocumentSummary, TokenRecord } from './store.ts'
import { isWellFormed } from './validate.ts'

/** A free-text column value as SQLite stores it. */
export type StoredText = string | Buffer

/** Encodes free text losslessly for a column (see the module header). */
export function encodeText(text: string): StoredText {
  return isWellFormed(text) ? text : Buffer.from(text, 'utf16le')
}

/** Decodes what {@link encodeText} stored. */
export function decodeText(stored: StoredText): string {
  return typeof stored === 'string' ? stored : stored.toString('utf16le')
}

function decodeNullable(stored: StoredText | null): string | null {
  return stored === null ? null : decodeText(stored)
}

/** A `documents` row. */
export interface DocumentRow {
  file: string
  text: StoredText | null
  revision: number
  updated_ms: number
  length: number
}

/** A `views` row. */
export interface ViewRow {
  user: string
  file: string
  /** The shadow, or null when `shadow_revision` names the document revision it equals. */
  shadow: StoredText | null
  backup_shadow: StoredText | null
  shadow_revision: number | null
  backup_revision: number | null
  client_version: number
  server_version: number
  backup_server_version: number
  edit_stack: string
  handle: StoredText
  /** The view's owner key (server/auth/owner.ts); '' when unbound. */
  owner: string
  meta: StoredText | null
  last_seen_ms: number
}

/** A `tokens` row. */
export interface TokenRow {
  id: string
  name: string
  hash: string
  created_ms: number
  revoked_ms: number | null
}

/** An `acl_rules` row. */
export interface RuleRow {
  pattern: string
  principal: string
  access: AccessLevel
  created_ms: number
}

/** Named parameters for the document upsert. */
export function documentParams(doc: DocumentState): DocumentRow {
  return {
    file: doc.file,
    text: doc.text === null ? null : encodeText(doc.text),
    revision: doc.revision,
    updated_ms: doc.updatedMs,
    length: doc.text === null ? 0 : doc.text.length,
  }
}

/** A DocumentState from its row. */
export function documentFromRow(row: DocumentRow): DocumentState {
  return Object.freeze({
    file: row.file,
    text: decodeNullable(row.text),
    revision: row.revision,
    updatedMs: row.updated_ms,
  })
}

/** A DocumentSummary from its row (the text column is not read). */
export function summaryFromRow(
  row: Omit<DocumentRow, 'text'> & { is_null: number },
): DocumentSummary {
  return Object.freeze({
    file: row.file,
    revision: row.revision,
    updatedMs: row.updated_ms,
    length: row.length,
    isNull: row.is_null === 1,
  })
}

/** Named parameters for the view upsert; a shadow named by a revision is not written. */
export function viewParams(cached: CachedView): ViewRow {
  const { view, shadowRevision, backupRevision } = cached
  return {
    user: view.user,
    file: view.file,
    shadow: shadowRevision === null ? encodeText(view.shadow) : null,
    backup_shadow: backupRevision === null ? encodeText(view.backupShadow) : null,
    shadow_revision: shadowRevision,
    backup_revision: backupRevision,
    client_version: view.clientVersion,
    server_version: view.serverVersion,
    backup_server_version: view.backupServerVersion,
    // JSON.stringify escapes lone surrogates (\udXXX), so the stack needs no BLOB fallback.
    edit_stack: JSON.stringify(view.editStack.map((e) => [e.version, e.line])),
    handle: encodeText(view.handle),
    owner: view.owner,
    meta: view.meta === null ? null : encodeText(view.meta),
    last_seen_ms: view.lastSeenMs,
  }
}

function parseEditStack(json: string): StackedEdit[] {
  const pairs = JSON.parse(json) as [number, string][]
  return pairs.map(([version, line]) => Object.freeze({ version, line }))
}

/**
 * A cached view from its row; `textOf` gives the text of a document revision a shadow names.
 * @throws RangeError when a named revision has no text (the file was changed by hand).
 */
export function viewFromRow(
  row: ViewRow,
  textOf: (revision: number) => string | undefined,
): CachedView {
  const shadowOf = (stored: StoredText | null, revision: number | null): string => {
    if (stored !== null) return decodeText(stored)
    const text = revision === null ? undefined : textOf(revision)
    if (text === undefined) {
      throw new RangeError(`View ${row.user} of ${row.file} names missing revision ${revision}`)
    }
    return text
  }
  const view: ViewState = Object.freeze({
    user: row.user,
    file: row.file,
    shadow: shadowOf(row.shadow, row.shadow_revision),
    backupShadow: shadowOf(row.backup_shadow, row.backup_revision),
    clientVersion: row.client_version,
    serverVersion: row.server_version,
    backupServerVersion: row.backup_server_version,
    editStack: Object.freeze(parseEditStack(row.edit_stack)),
    handle: decodeText(row.handle),
    owner: row.owner,
    meta: decodeNullable(row.meta),
    lastSeenMs: row.last_seen_ms,
  })
  return { view, shadowRevision: row.shadow_revision, backupRevision: row.backup_revision }
}

/** A TokenRecord from its row. */
export function tokenFromRow(row: TokenRow): TokenRecord {
  return Object.freeze({
    id: row.id,
    name: row.name,
    hash: row.hash,
    createdMs: row.created_ms,
    revokedMs: row.revoked_ms,
  })
}

/** An AclRule from its row. */
export function ruleFromRow(row: RuleRow): AclRule {
  return Object.freeze({
    pattern: row.pattern,
    principal: row.principal,
    access: row.access,
    createdMs: row.created_ms,
  })
}
