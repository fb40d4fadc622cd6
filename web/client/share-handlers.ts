// Share handlers: the MobWrite shareObj interface (mobwrite-notes §3.4) for CodeMirror 6 views,
// <textarea>, <input> and contenteditable elements, with the Mozilla callbacks (DESIGN §9).
// Remote text is applied as minimal changes so the caret and selection survive (notes §3.6).

import { computeChanges, mapPosition, type TextChange } from './text-changes.ts'
import { readEditableText, readEditableSelection, writeEditableText } from './editable-text.ts'

/** One person (view) attached to a document, from the server's `C:` lines. */
export interface Collaborator {
  /** Trusted handle the server derived (`name:ip`). */
  readonly handle: string
  /** Short id of the view (first characters of its MobWrite user id). */
  readonly id: string
  /** The view's metadata (`m:` JSON text), or null. */
  readonly meta: string | null
}

/** Callbacks a sync client calls on a shared object, named as in the Mozilla MobWrite client. */
export interface ShareCallbacks {
  /** The views attached to the document changed (or were re-reported). */
  reportCollaborators?(list: readonly Collaborator[]): void
  /** The server refused something (`E:`) or the transport failed. */
  raiseError?(message: string, isRecoverable: boolean): void
  /** The server said the document is read-only for this user (`O:`), or no longer is. */
  setReadOnly?(isReadOnly: boolean): void
  /** A sync finished and brought no change: the object is in step with the server. */
  syncWithoutChange?(): void
  /** Whether local edits are waiting for the server's acknowledgement. */
  setDirty?(isDirty: boolean): void
  /**
   * An administrator ended the document: syncing it stopped (after a `raiseError`) until
   * `SyncClient.reopen(file)`.
   */
  reportEnded?(): void
}

/** A shared object: one document bound to one widget. */
export interface ShareHandler extends ShareCallbacks {
  /** Document name on the server. */
  readonly file: string
  /** True to merge (`d:`), false to overwrite (`D:`, "last save wins"). */
  readonly mergeChanges: boolean
  /** The widget's current plain text. */
  getClientText(): string
  /** Replace the widget's text (a server `R:`); the selection is mapped, not reset. */
  setClientText(text: string): void
  /** Bring the widget to `text`, which is its current text with remote edits merged in. */
  patchClientText(text: string): void
  /** Call `listener` after each local (user) edit; returns a function that stops it. */
  onLocalChange(listener: () => void): () => void
  /** Metadata sent with each sync (`m:`, JSON text), e.g. the caret for others to draw. */
  getMetaData?(): string | null
}

/** The parts of a CodeMirror 6 `EditorView` a handler uses (duck-typed: no second copy of CM). */
export interface CodeMirrorLike {
  readonly state: {
    readonly doc: { toString(): string }
    readonly selection: { readonly main: { readonly anchor: number; readonly head: number } }
  }
  readonly contentDOM: HTMLElement
  dispatch(spec: { changes: readonly TextChange[] }): void
}

/** Options for {@link shareCodeMirror}. */
export interface CodeMirrorShareOptions extends ShareCallbacks {
  /** Applies remote changes; defaults to `view.dispatch({changes})`. Lets the editor annotate. */
  dispatchChanges?(changes: readonly TextChange[]): void
}

/** How a DOM element's text is read, patched and made read-only. */
interface ElementAccess {
  read(): string
  patch(text: string): void
  applyReadOnly(isReadOnly: boolean): void
}

// The handler shape shared by DOM elements: local edits are `input` events.
function elementHandler(
  file: string,
  el: HTMLElement,
  callbacks: ShareCallbacks,
  access: ElementAccess,
): ShareHandler {
  return {
    ...callbacks,
    file,
    mergeChanges: true,
    getClientText: access.read,
    setClientText: access.patch,
    patchClientText: access.patch,
    onLocalChange(listener) {
      el.addEventListener('input', listener)
      return () => el.removeEventListener('input', listener)
    },
    setReadOnly(isReadOnly) {
      access.applyReadOnly(isReadOnly)
      callbacks.setReadOnly?.(isReadOnly)
    },
  }
}

/**
 * Share a `<textarea>` or text `<input>`. Remote edits go in through `setRangeText(…,
 * 'preserve')`, which moves the selection as the browser would for its own edits.
 */
export function shareTextField(
  file: string,
  el: HTMLTextAreaElement | HTMLInputElement,
  callbacks: ShareCallbacks = {},
): ShareHandler {
  const patch = (text: string): void => {
    const changes = computeChanges(el.value, text)
    const { scrollTop } = el
    // Back to front so earlier offsets stay valid.
    for (let i = changes.length - 1; i >= 0; i--) {
      const c = changes[i]!
      el.setRangeText(c.insert, c.from, c.to, 'preserve')
    }
    el.scrollTop = scrollTop
  }
  return elementHandler(file, el, callbacks, {
    read: () => el.value,
    patch,
    applyReadOnly(isReadOnly) {
      el.readOnly = isReadOnly
      el.toggleAttribute('aria-readonly', isReadOnly)
    },
  })
}

/** Share a contenteditable element as plain text (line breaks as `\n`, no markup kept). */
export function shareContentEditable(
  file: string,
  el: HTMLElement,
  callbacks: ShareCallbacks = {},
): ShareHandler {
  const patch = (text: string): void => {
    const old = readEditableText(el)
    if (old === text) return
    const changes = computeChanges(old, text)
    const selection = readEditableSelection(el)
    const mapped = selection && {
      anchor: mapPosition(changes, selection.anchor),
      head: mapPosition(changes, selection.head),
    }
    writeEditableText(el, text, mapped)
  }
  if (!getComputedStyle(el).whiteSpace.startsWith('pre')) el.style.whiteSpace = 'pre-wrap'
  const editableMode = el.contentEditable === 'false' ? 'true' : el.contentEditable
  return elementHandler(file, el, callbacks, {
    read: () => readEditableText(el),
    patch,
    applyReadOnly(isReadOnly) {
      // Restore what the host chose ('true' or 'plaintext-only') when writing is allowed again.
      el.contentEditable = isReadOnly ? 'false' : editableMode
    },
  })
}

/**
 * Share a CodeMirror 6 view. Remote edits are dispatched as minimal changes, so CodeMirror maps
 * every selection range through them. Read-only is reported to `setReadOnly`; the editor that
 * owns the view enforces it (a host's extensions cannot be reconfigured from outside).
 */
export function shareCodeMirror(
  file: string,
  view: CodeMirrorLike,
  options: CodeMirrorShareOptions = {},
): ShareHandler {
  let lastDoc: unknown = view.state.doc
  const dispatchChanges = options.dispatchChanges ?? ((changes) => view.dispatch({ changes }))
  const patch = (text: string): void => {
    const changes = computeChanges(view.state.doc.toString(), text)
    if (changes.length > 0) dispatchChanges(changes)
    lastDoc = view.state.doc
  }
  const { dispatchChanges: _ignored, ...callbacks } = options
  return {
    ...callbacks,
    file,
    mergeChanges: true,
    getClientText: () => view.state.doc.toString(),
    getMetaData() {
      const { anchor, head } = view.state.selection.main
      return JSON.stringify({ cursor: { anchor, head } })
    },
    setClientText: patch,
    patchClientText: patch,
    onLocalChange(listener) {
      // CodeMirror updates its DOM synchronously on every transaction; a new doc object that we
      // did not dispatch ourselves is a local edit.
      const observer = new MutationObserver(() => {
        if (view.state.doc === lastDoc) return
        lastDoc = view.state.doc
        listener()
      })
      observer.observe(view.contentDOM, { childList: true, characterData: true, subtree: true })
      return () => observer.disconnect()
    },
  }
}

/** Anything {@link createShareHandler} can share. */
export type ShareTarget = HTMLTextAreaElement | HTMLInputElement | HTMLElement | CodeMirrorLike

function isCodeMirror(target: ShareTarget): target is CodeMirrorLike {
  return 'state' in target && 'dispatch' in target && 'contentDOM' in target
}

const textInputTypes = new Set(['text', 'search', 'url', 'email', 'tel', ''])

/**
 * Pick the handler for `target` (a CodeMirror view, textarea, text input or contenteditable).
 * @throws TypeError when the target cannot be shared.
 */
export function createShareHandler(
  file: string,
  target: ShareTarget,
  callbacks: ShareCallbacks = {},
): ShareHandler {
  if (isCodeMirror(target)) return shareCodeMirror(file, target, callbacks)
  if (target instanceof HTMLTextAreaElement) return shareTextField(file, target, callbacks)
  if (target instanceof HTMLInputElement) {
    if (!textInputTypes.has(target.type)) {
      throw new TypeError(`Cannot share <input type="${target.type}">: only text inputs`)
    }
    return shareTextField(file, target, callbacks)
  }
  if (target.isContentEditable) return shareContentEditable(file, target, callbacks)
  throw new TypeError(
    `Cannot share <${target.tagName.toLowerCase()}>: need a textarea, text input, contenteditable or CodeMirror view`,
  )
}
