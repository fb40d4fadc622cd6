// The start page at /: open or create a document by name, and list the existing ones.

import { docPath } from './identity.ts'
import { required } from './chrome.ts'

/** One row of GET /api/documents. */
interface DocumentRow {
  readonly file: string
  readonly updatedMs: number
  readonly length: number
}

// Mirrors the server's rule (server/auth/names.ts) so most mistakes are caught before a round trip.
const docNameChars = /^[\p{L}\p{N}._~:@+\-/]+$/u

function problemWith(name: string): string | null {
  if (name === '') return 'Type a name for the document.'
  if (!docNameChars.test(name)) return 'Use letters, digits and . _ ~ : @ + - / only.'
  if (name.startsWith('/') || name.endsWith('/') || name.includes('//')) {
    return 'A name cannot start or end with / or contain //.'
  }
  return null
}

function readRows(json: unknown): DocumentRow[] {
  const list = json && typeof json === 'object' && 'documents' in json ? json.documents : null
  if (!Array.isArray(list)) return []
  return list.filter(
    (row): row is DocumentRow =>
      row && typeof row.file === 'string' && typeof row.updatedMs === 'number',
  )
}

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' })

function ago(ms: number): string {
  const seconds = Math.round((ms - Date.now()) / 1000)
  const steps: [Intl.RelativeTimeFormatUnit, number][] = [
    ['day', 86_400],
    ['hour', 3_600],
    ['minute', 60],
  ]
  for (const [unit, size] of steps) {
    if (Math.abs(seconds) >= size) return relative.format(Math.round(seconds / size), unit)
  }
  return relative.format(seconds, 'second')
}

function renderRow(row: DocumentRow): HTMLLIElement {
  const item = document.createElement('li')
  const link = document.createElement('a')
  link.href = docPath(row.file)
  link.textContent = row.file
  const info = document.createElement('span')
  info.className = 'muted'
  info.textContent = `${row.length.toLocaleString()} chars · edited ${ago(row.updatedMs)}`
  item.append(link, info)
  return item
}

async function listDocuments(): Promise<void> {
  const list = required('doc-list')
  const headers: Record<string, string> = { accept: 'application/json' }
  const token = localStorage.getItem('tandem.token')
  if (token) headers.authorization = `Bearer ${token}`
  const response = await fetch('/api/documents', { headers })
  const rows = response.ok ? readRows(await response.json()) : []
  list.replaceChildren(...rows.map(renderRow))
  required('doc-list-empty').hidden = rows.length > 0
}

function wireForm(): void {
  const form = required<HTMLFormElement>('open-form')
  const input = required<HTMLInputElement>('doc-name')
  const error = required('doc-name-error')
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    const name = input.value.trim()
    const problem = problemWith(name)
    error.hidden = problem === null
    error.textContent = problem ?? ''
    input.setAttribute('aria-invalid', String(problem !== null))
    if (problem === null) location.assign(docPath(name))
  })
  input.focus()
}

wireForm()
void listDocuments()
