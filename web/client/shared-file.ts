// One shared object inside a sync client: its handler, its diff-sync view, and what it last told
// the handler (dirty, read-only, collaborators, errors), so each answer reports only what changed.

import { createClientView, type ClientView, type FileResult } from '../../shared/sync/client.ts'
import type { Collaborator, ShareHandler } from './share-handlers.ts'

/** What `raiseError` says when an administrator ended a document. */
export const endedMessage = 'This document was closed by an administrator'

// The server refuses syncs of an ended document with `E:<file>:ERR_DOC_ENDED: …` (ops controls).
const isEndedError = (error: { message: string }): boolean =>
  error.message.startsWith('ERR_DOC_ENDED')

/** A document shared through a sync client. */
export interface SharedFile {
  readonly handler: ShareHandler
  view: ClientView
  /** Counts local edits; `sentSeq` is its value when the last request was built. */
  localSeq: number
  sentSeq: number
  isDirty: boolean
  isReadOnly: boolean
  collaboratorsKey: string
  /** The errors last reported, so repeats are not reported again. */
  errorKey: string
  /** An administrator ended the document: it stays out of requests until reopened. */
  isEnded: boolean
  readonly stopListening: () => void
}

// A new view sends a raw dump (`r:`) of the handler's text at share time (mobwrite-notes §1.11).
const freshView = (handler: ShareHandler): ClientView =>
  createClientView(handler.file, {
    mergeChanges: handler.mergeChanges,
    initialText: handler.getClientText(),
  })

/** Starts sharing `handler`; `onLocalEdit` runs after each local edit is counted. */
export function createSharedFile(handler: ShareHandler, onLocalEdit: () => void): SharedFile {
  const s: SharedFile = {
    handler,
    view: freshView(handler),
    localSeq: 0,
    sentSeq: 0,
    isDirty: false,
    isReadOnly: false,
    collaboratorsKey: '',
    errorKey: '[]',
    isEnded: false,
    stopListening: handler.onLocalChange(() => {
      s.localSeq += 1
      if (!s.isDirty) {
        s.isDirty = true
        handler.setDirty?.(true)
      }
      onLocalEdit()
    }),
  }
  return s
}

/** After an administrator ended the document: start a new view, as a first share does. */
export function reopenSharedFile(s: SharedFile): void {
  Object.assign(s, {
    isEnded: false,
    view: freshView(s.handler),
    errorKey: '[]',
    collaboratorsKey: '',
  })
}

/** Stops syncing `s` and tells its handler why (an administrator ended the document). */
export function endSharedFile(s: SharedFile): void {
  if (s.isEnded) return
  s.isEnded = true
  s.handler.raiseError?.(endedMessage, false)
  s.handler.reportEnded?.()
}

/** Brings the handler in line with one file's answer, calling only the callbacks that changed. */
export function applyFileResult(s: SharedFile, result: FileResult): void {
  const { handler } = s
  if (result.errors.some(isEndedError)) return endSharedFile(s)
  if (result.textChanged) handler.patchClientText(result.text)
  if (result.readOnly !== s.isReadOnly) {
    s.isReadOnly = result.readOnly
    handler.setReadOnly?.(result.readOnly)
  }
  // undefined: the answer had no C: lines, the server sends them only when the list changed.
  const collaborators: Collaborator[] | undefined = result.collaborators?.map((c) => ({
    handle: c.handle,
    id: c.id,
    meta: c.meta,
  }))
  const key = JSON.stringify(collaborators)
  if (collaborators && key !== s.collaboratorsKey) {
    s.collaboratorsKey = key
    handler.reportCollaborators?.(collaborators)
  }
  // The server repeats an E: line on every sync; tell the user once, not every few seconds.
  const errorKey = JSON.stringify(result.errors)
  if (errorKey !== s.errorKey) {
    s.errorKey = errorKey
    for (const error of result.errors) handler.raiseError?.(error.message, error.isRecoverable)
  }
  if (s.isDirty && s.localSeq === s.sentSeq && result.errors.length === 0) {
    s.isDirty = false
    handler.setDirty?.(false)
  }
  if (!result.textChanged && !result.serverChanged) handler.syncWithoutChange?.()
}
