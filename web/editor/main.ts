// The full-page editor at /d/<name>: CodeMirror 6 bound to a document through the share
// handler, with people, read-only state, errors, connection and saved state around it.

import { basicSetup } from 'codemirror'
import { EditorView, keymap } from '@codemirror/view'
import { Compartment, EditorState, Transaction } from '@codemirror/state'
import { indentWithTab } from '@codemirror/commands'
import { createSyncClient, endedMessage, type SyncClient } from '../client/sync-client.ts'
import { shareCodeMirror, type CodeMirrorShareOptions } from '../client/share-handlers.ts'
import { colorFor, describeCollaborators, type Person } from '../client/collaborators.ts'
import { askName, docNameFromPath, loadToken } from './identity.ts'
import { readCursorMeta, remoteCursors, setRemoteCursors } from './remote-cursors.ts'
import {
  clearWarning,
  required,
  showConnection,
  showError,
  showEnded,
  showPeople,
  showSaved,
  wireBanner,
} from './chrome.ts'

declare global {
  interface Window {
    /** Read-only probes for tests and debugging in the console. */
    tandemEditor?: {
      readonly userId: string
      getText(): string
      getSelection(): { anchor: number; head: number }
    }
  }
}

/** The page's fixed elements (doc.html). */
interface Chrome {
  readonly banner: HTMLElement
  readonly connection: HTMLElement
  readonly saved: HTMLElement
  readonly badge: HTMLElement
  readonly people: HTMLElement
}

/** What the page shows about the document, changed only by the sync callbacks. */
interface EditorStatus {
  isLoaded: boolean
  isReadOnly: boolean
  isDirty: boolean
  wasConnected: boolean
  /** An administrator ended the document; it stays read-only until the user reopens it. */
  isEnded: boolean
}

const editable = new Compartment()

function editableExtensions(isEditable: boolean) {
  return [EditorView.editable.of(isEditable), EditorState.readOnly.of(!isEditable)]
}

function createEditor(parent: HTMLElement, label: string, onCaretMoved: () => void): EditorView {
  return new EditorView({
    parent,
    state: EditorState.create({
      doc: '',
      extensions: [
        basicSetup,
        keymap.of([indentWithTab]),
        EditorView.lineWrapping,
        EditorView.contentAttributes.of({ 'aria-label': label }),
        editable.of(editableExtensions(false)),
        remoteCursors(),
        EditorView.updateListener.of((update) => {
          if (update.selectionSet && !update.docChanged) onCaretMoved()
        }),
      ],
    }),
  })
}

function findChrome(): Chrome {
  const banner = required('banner')
  wireBanner(banner)
  return {
    banner,
    connection: required('connection'),
    saved: required('saved'),
    badge: required('readonly-badge'),
    people: required('people'),
  }
}

// The editor accepts input once the first sync is in and while the server allows writing.
function refreshEditable(view: EditorView, status: EditorStatus): void {
  const isEditable = status.isLoaded && !status.isReadOnly && !status.isEnded
  view.dispatch({ effects: editable.reconfigure(editableExtensions(isEditable)) })
  document.body.dataset.loaded = String(status.isLoaded)
  document.body.dataset.readonly = String(status.isReadOnly)
}

function markLoaded(view: EditorView, chrome: Chrome, status: EditorStatus): void {
  clearWarning(chrome.banner)
  if (status.isLoaded) return
  status.isLoaded = true
  refreshEditable(view, status)
  view.focus()
}

function showCollaborators(
  view: EditorView,
  chrome: Chrome,
  self: Person,
  list: Parameters<NonNullable<CodeMirrorShareOptions['reportCollaborators']>>[0],
): void {
  const described = describeCollaborators(list)
  // The server lists the others (`C:` leaves out the asking view); we add ourselves.
  showPeople(chrome.people, [self, ...described])
  const cursors = described.flatMap((person, i) => {
    const cursor = readCursorMeta(list[i]?.meta ?? null)
    return cursor ? [{ ...person, ...cursor }] : []
  })
  view.dispatch({ effects: setRemoteCursors.of(cursors) })
}

// An administrator ended the document: read-only with a banner until the user reopens it.
function markEnded(
  file: string,
  view: EditorView,
  chrome: Chrome,
  status: EditorStatus,
  client: SyncClient,
): void {
  const setEnded = (isEnded: boolean): void => {
    status.isEnded = isEnded
    document.body.dataset.ended = String(isEnded)
    refreshEditable(view, status)
  }
  setEnded(true)
  showEnded(chrome.banner, endedMessage, () => {
    setEnded(false)
    client.reopen(file)
  })
}

function shareOptions(
  file: string,
  view: EditorView,
  chrome: Chrome,
  status: EditorStatus,
  client: SyncClient,
  self: Person,
): CodeMirrorShareOptions {
  return {
    // Remote edits are not the user's: keep them out of undo history (CodeMirror collab does so).
    dispatchChanges: (changes) =>
      view.dispatch({
        changes,
        annotations: [Transaction.remote.of(true), Transaction.addToHistory.of(false)],
      }),
    reportCollaborators: (list) => showCollaborators(view, chrome, self, list),
    // The ended banner (with its Reopen button) replaces the plain error raised just before.
    raiseError: (message, isRecoverable) => showError(chrome.banner, message, isRecoverable),
    reportEnded: () => markEnded(file, view, chrome, status, client),
    setReadOnly(value) {
      status.isReadOnly = value
      chrome.badge.hidden = !value
      refreshEditable(view, status)
    },
    syncWithoutChange: () => markLoaded(view, chrome, status),
    setDirty(value) {
      status.isDirty = value
      showSaved(chrome.saved, value, client.state === 'connected')
    },
  }
}

function bindDocument(file: string, view: EditorView, client: SyncClient, self: Person): void {
  const chrome = findChrome()
  const status: EditorStatus = {
    isLoaded: false,
    isReadOnly: false,
    isDirty: false,
    wasConnected: false,
    isEnded: false,
  }
  showPeople(chrome.people, [self])
  client.onState((state) => {
    showConnection(chrome.connection, state, status.wasConnected)
    status.wasConnected ||= state === 'connected'
    showSaved(chrome.saved, status.isDirty, state === 'connected')
  })
  showConnection(chrome.connection, client.state, false)
  const handler = shareCodeMirror(
    file,
    view,
    shareOptions(file, view, chrome, status, client, self),
  )
  client.share({
    ...handler,
    patchClientText(text) {
      handler.patchClientText(text)
      markLoaded(view, chrome, status)
    },
  })
}

async function start(): Promise<void> {
  const file = docNameFromPath(location.pathname)
  if (file === null) return location.replace('/')
  document.title = `${file} · Tandem`
  required('doc-title').textContent = file
  const dialog = required<HTMLDialogElement>('name-dialog')
  required('change-name').addEventListener('click', () => {
    void askName(dialog, true).then(() => location.reload())
  })
  const token = loadToken()
  const name = await askName(dialog)
  let caretTimer: ReturnType<typeof setTimeout> | undefined
  const client = createSyncClient({ token, name })
  // A caret move alone is not worth a request per keypress: tell the server after a pause.
  const view = createEditor(required('editor'), `Text of ${file}`, () => {
    clearTimeout(caretTimer)
    caretTimer = setTimeout(() => client.syncNow(), 400)
  })
  // Others see us by an opaque id the server keeps to itself, so our colour is our own pick.
  const id = client.userId
  const self: Person = { name, isAnonymous: !token, isSelf: true, color: colorFor(id), id }
  bindDocument(file, view, client, self)
  addEventListener('pagehide', () => void client.close())
  window.tandemEditor = {
    userId: client.userId,
    getText: () => view.state.doc.toString(),
    getSelection: () => ({
      anchor: view.state.selection.main.anchor,
      head: view.state.selection.main.head,
    }),
  }
}

void start()
