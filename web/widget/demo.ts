// The /embed-demo host page's script: what an app builder writes, using only the global `Tandem`
// that /embed.js defines. `?doc=`, `?title=`, `?summary=` pick the documents (tests use theirs).

import type { share as Share, ShareOptions } from './embed.ts'

declare global {
  /** The global the /embed.js bundle defines. */
  var Tandem: { share: typeof Share }
}

const params = new URL(location.href).searchParams
const notesDoc = params.get('doc') || 'demo-notes'
const titleDoc = params.get('title') || 'demo-title'
const summaryDoc = params.get('summary') || 'demo-summary'
const name = params.get('name') || localStorage.getItem('tandem.name') || 'Demo visitor'

function byId(id: string): HTMLElement {
  const el = document.getElementById(id)
  if (!el) throw new TypeError(`The demo page has no #${id}`)
  return el
}

const statusLabels = {
  unconnected: 'Not connected',
  connecting: 'Connecting…',
  connected: 'Connected',
  disconnected: 'Offline, retrying',
} as const

function statusOptions(statusId: string): Partial<ShareOptions> {
  const line = byId(statusId)
  return {
    onStatus: (state) => {
      line.dataset.state = state
      line.textContent = statusLabels[state]
    },
    onError: (message) => {
      line.dataset.state = 'error'
      line.textContent = message
    },
  }
}

byId('notes-doc').textContent = `(document “${notesDoc}”)`
byId('title-doc').textContent = `(document “${titleDoc}”)`
Tandem.share(byId('notes'), {
  doc: notesDoc,
  name,
  ...statusOptions('notes-status'),
  onCollaborators: (people) => {
    const others = people.filter((person) => !person.isSelf).map((person) => person.name)
    byId('people').textContent = others.length > 0 ? `you, ${others.join(', ')}` : 'just you'
  },
})
Tandem.share(byId('title'), { doc: titleDoc, name, ...statusOptions('title-status') })
byId('summary-doc').textContent = `(contenteditable, document “${summaryDoc}”)`
Tandem.share(byId('summary'), { doc: summaryDoc, name, ...statusOptions('summary-status') })
