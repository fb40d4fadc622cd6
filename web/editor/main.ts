// The full-page editor at /d/<name>: CodeMirror 6 bound to a document through the share
// handler, with people, read-only state, errors, connection and saved state around it.

import { basicSetup } from 'codemirror'
import { EditorView, keymap } from '@codemirror/view'
import { Compartment, EditorState, Transaction } from '@codemirror/state'
import { indentWithTab } from '@codemirror/commands'
import { createSyncClient } from '../client/sync-client.ts'
import { shareCodeMirror } from '../client/share-handlers.ts'
import { colorFor, describeCollaborators, type Person } from '../client/collaborators.ts'
import { askName, docNameFromPath, loadToken } from './identity.ts'
import { readCursorMeta, remoteCursors, setRemoteCursors } from './remote-cursors.ts'
import { required, showConnection, showError, showPeople, showSaved, wireBanner } from './chrome.ts'

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

async function start(): Promise<void> {
  const file = docNameFromPath(location.pathname)
  if (file === null) {
    location.replace('/')
    return
  }
  document.title = `${file} · Tandem`
  required('doc-title').textContent = file
  const banner = required('banner')
  wireBanner(banner)
  const connectionPill = required('connection')
  const savedPill = required('saved')
  const badge = required('readonly-badge')
  const people = required('people')
  const dialog = required<HTMLDialogElement>('name-dialog')
  required('change-name').addEventListener('click', () => {
    void askName(dialog, true).then(() => location.reload())
  })

  const token = loadToken()
  const name = await askName(dialog)
  let caretTimer: ReturnType<typeof setTimeout> | undefined
  // A caret move alone is not worth a request per keypress: tell the server after a pause.
  const onCaretMoved = (): void => {
    clearTimeout(caretTimer)
    caretTimer = setTimeout(() => client.syncNow(), 400)
  }
  const view = createEditor(required('editor'), `Text of ${file}`, onCaretMoved)
  let isLoaded = false
  let isReadOnly = false
  let isDirty = false
  let wasConnected = false
  const refreshEditable = (): void => {
    view.dispatch({ effects: editable.reconfigure(editableExtensions(isLoaded && !isReadOnly)) })
    document.body.dataset.loaded = String(isLoaded)
  }
  const markLoaded = (): void => {
    if (isLoaded) return
    isLoaded = true
    refreshEditable()
    view.focus()
  }

  const client = createSyncClient({ token, name })
  const self: Person = {
    name,
    isAnonymous: token === undefined,
    isSelf: true,
    color: colorFor(client.userId.slice(0, 4)),
    id: client.userId.slice(0, 4),
  }
  showPeople(people, [self])
  const handler = shareCodeMirror(file, view, {
    // Remote edits are not the user's: keep them out of undo history (CodeMirror collab does so).
    dispatchChanges: (changes) =>
      view.dispatch({
        changes,
        annotations: [Transaction.remote.of(true), Transaction.addToHistory.of(false)],
      }),
    reportCollaborators(list) {
      const described = describeCollaborators(list, client.userId)
      // The server lists the others (`C:` leaves out the asking view); we add ourselves.
      showPeople(people, [self, ...described.filter((person) => !person.isSelf)])
      const cursors = described.flatMap((person, i) => {
        const cursor = person.isSelf ? null : readCursorMeta(list[i]?.meta ?? null)
        return cursor ? [{ ...person, ...cursor }] : []
      })
      view.dispatch({ effects: setRemoteCursors.of(cursors) })
    },
    raiseError: (message, isRecoverable) => showError(banner, message, isRecoverable),
    setReadOnly(value) {
      isReadOnly = value
      badge.hidden = !value
      document.body.dataset.readonly = String(value)
      refreshEditable()
    },
    syncWithoutChange: markLoaded,
    setDirty(value) {
      isDirty = value
      showSaved(savedPill, isDirty, client.state === 'connected')
    },
  })
  client.onState((state) => {
    showConnection(connectionPill, state, wasConnected)
    wasConnected ||= state === 'connected'
    showSaved(savedPill, isDirty, state === 'connected')
  })
  showConnection(connectionPill, client.state, false)
  client.share({
    ...handler,
    patchClientText(text) {
      handler.patchClientText(text)
      markLoaded()
    },
  })
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
