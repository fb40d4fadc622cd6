// Checks at the store's edge, shared by every backend so that they reject the same inputs.
// A record that fails here is a programmer error (TypeError/RangeError), never stored.

import type { DocumentState, StackedEdit, ViewState } from '../../shared/sync/types.ts'
import type { AccessLevel, AclRule, StoreChange, ViewRef } from './store.ts'

// A lone high or low surrogate (String.prototype.isWellFormed is ES2024, beyond our lib).
const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

/** Whether `text` is well-formed UTF-16 (no lone surrogates), i.e. survives UTF-8 exactly. */
export function isWellFormed(text: string): boolean {
  return !loneSurrogate.test(text)
}

const accessLevels: ReadonlySet<string> = new Set<AccessLevel>(['write', 'read', 'none'])

/** Throws a TypeError unless `key` is a well-formed string usable as a key. */
export function checkKey(what: string, key: unknown): asserts key is string {
  // Keys are SQLite TEXT, which is UTF-8: a lone surrogate would be replaced by U+FFFD and two
  // names could collide. Names reach here already validated by the sync layer.
  if (typeof key !== 'string' || !isWellFormed(key)) {
    throw new TypeError(`Invalid ${what} ${JSON.stringify(key)} (must be a well-formed string)`)
  }
}

function checkCount(what: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`Invalid ${what} ${String(value)} (must be a non-negative integer)`)
  }
}

function checkText(what: string, value: unknown, isNullable: boolean): void {
  if (typeof value === 'string' || (isNullable && value === null)) return
  throw new TypeError(`Invalid ${what} of type ${typeof value}`)
}

function checkEdit(edit: StackedEdit): void {
  checkCount('edit version', edit.version)
  checkText('edit line', edit.line, false)
}

/** Throws unless `doc` is a storable DocumentState. */
export function checkDocument(doc: DocumentState): void {
  checkKey('document name', doc.file)
  checkText('document text', doc.text, true)
  checkCount('document revision', doc.revision)
  checkCount('document updatedMs', doc.updatedMs)
}

/** Throws unless `view` is a storable ViewState. */
export function checkView(view: ViewState): void {
  checkRef(view)
  checkText('shadow', view.shadow, false)
  checkText('backup shadow', view.backupShadow, false)
  checkCount('clientVersion', view.clientVersion)
  checkCount('serverVersion', view.serverVersion)
  checkCount('backupServerVersion', view.backupServerVersion)
  if (!Array.isArray(view.editStack)) throw new TypeError('Invalid edit stack (not an array)')
  view.editStack.forEach(checkEdit)
  checkText('handle', view.handle, false)
  if (typeof view.owner !== 'string' || !isWellFormed(view.owner)) {
    throw new TypeError(`Invalid view owner ${JSON.stringify(view.owner)}`)
  }
  checkText('meta', view.meta, true)
  checkCount('lastSeenMs', view.lastSeenMs)
}

/** Throws unless `ref` names a view with well-formed keys. */
export function checkRef(ref: ViewRef): void {
  checkKey('user id', ref.user)
  checkKey('document name', ref.file)
}

/** Validates a whole change before a backend writes any of it. */
export function checkChange(change: StoreChange): void {
  change.putDocuments?.forEach(checkDocument)
  change.deleteDocuments?.forEach((file) => checkKey('document name', file))
  change.putViews?.forEach(checkView)
  change.deleteViews?.forEach(checkRef)
}

/** Throws unless `rule` is a storable ACL rule. */
export function checkRule(rule: AclRule): void {
  checkKey('rule pattern', rule.pattern)
  checkKey('rule principal', rule.principal)
  if (!accessLevels.has(rule.access)) {
    throw new TypeError(`Invalid access ${JSON.stringify(rule.access)} (write, read or none)`)
  }
  checkCount('rule createdMs', rule.createdMs)
}
