// The editor page's chrome: connection pill, saved/unsaved indicator, read-only badge, error
// banner and the people list. User-controlled strings only ever go through textContent.

import type { ConnectionState } from '../client/connection.ts'
import { badgeOf, labelOf, type Person } from '../client/collaborators.ts'

/** Find an element the page must have. @throws TypeError when it is missing. */
export function required<T extends HTMLElement>(id: string): T {
  const el = document.getElementById(id)
  if (!el) throw new TypeError(`The page has no #${id}`)
  return el as T
}

const connectionLabels: Record<string, string> = {
  connecting: 'Connecting…',
  reconnecting: 'Reconnecting…',
  connected: 'Connected',
  offline: 'Offline',
}

/** Show the connection state; `wasConnected` turns "connecting" into "reconnecting". */
export function showConnection(
  el: HTMLElement,
  state: ConnectionState,
  wasConnected: boolean,
): void {
  const shown =
    state === 'connected'
      ? 'connected'
      : state === 'connecting'
        ? wasConnected
          ? 'reconnecting'
          : 'connecting'
        : 'offline'
  el.dataset.state = shown
  el.textContent = connectionLabels[shown] ?? shown
}

/** The saved/unsaved indicator: `saving` while connected, `unsaved` while not. */
export function showSaved(el: HTMLElement, isDirty: boolean, isConnected: boolean): void {
  const state = !isDirty ? 'saved' : isConnected ? 'saving' : 'unsaved'
  el.dataset.state = state
  el.textContent =
    state === 'saved' ? 'All changes saved' : state === 'saving' ? 'Saving…' : 'Unsaved changes'
}

/** Show `message` in the dismissable banner (newest message wins). */
export function showError(banner: HTMLElement, message: string, isRecoverable: boolean): void {
  const text = banner.querySelector('[data-role="message"]')
  if (text) text.textContent = message
  banner.dataset.kind = isRecoverable ? 'warning' : 'error'
  banner.hidden = false
  const reopen = banner.querySelector<HTMLElement>('[data-role="reopen"]')
  if (reopen) reopen.hidden = true
}

/** Show that an administrator closed the document, with a Reopen button that calls `onReopen`. */
export function showEnded(banner: HTMLElement, message: string, onReopen: () => void): void {
  showError(banner, message, false)
  banner.dataset.kind = 'ended'
  const reopen = banner.querySelector<HTMLButtonElement>('[data-role="reopen"]')
  if (!reopen) return
  reopen.hidden = false
  reopen.onclick = () => {
    banner.hidden = true
    reopen.hidden = true
    onReopen()
  }
}

/** Hide the banner if it shows a recoverable problem (syncing works again). */
export function clearWarning(banner: HTMLElement): void {
  if (banner.dataset.kind === 'warning') banner.hidden = true
}

/** Wire the banner's dismiss button (and Escape while it has focus). */
export function wireBanner(banner: HTMLElement): void {
  const hide = (): void => {
    banner.hidden = true
  }
  banner.querySelector('.banner-close')?.addEventListener('click', hide)
  banner.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') hide()
  })
}

function initials(name: string): string {
  const words = name.split(/\s+/).filter(Boolean)
  const letters =
    words.length > 1 ? [words[0]!, words[1]!].map((w) => [...w][0]) : [...name].slice(0, 2)
  return letters.join('').toUpperCase()
}

/**
 * The guest / verified mark beside a name (issue 14 finding 11): an element of its own, so no
 * self-chosen name can imitate it. The caret labels use it too.
 */
export function createBadge(person: Pick<Person, 'isAnonymous'>): HTMLElement {
  const { text, title } = badgeOf(person)
  const badge = document.createElement('span')
  badge.className = 'person-badge'
  badge.dataset.kind = person.isAnonymous ? 'guest' : 'verified'
  badge.textContent = text
  badge.title = title
  return badge
}

/** Render the people list: a coloured chip per person, ourselves first and marked "(you)". */
export function showPeople(list: HTMLElement, people: readonly Person[]): void {
  const sorted = [...people].sort(
    (a, b) => Number(b.isSelf) - Number(a.isSelf) || a.name.localeCompare(b.name),
  )
  const items = sorted.map((person) => {
    const item = document.createElement('li')
    item.className = 'person'
    item.dataset.self = String(person.isSelf)
    item.dataset.anonymous = String(person.isAnonymous)
    item.title = `${labelOf(person)}: ${badgeOf(person).title}`
    const avatar = document.createElement('span')
    avatar.className = 'avatar'
    avatar.style.backgroundColor = person.color
    avatar.textContent = initials(person.name)
    avatar.setAttribute('aria-hidden', 'true')
    const label = document.createElement('span')
    label.className = 'person-name'
    label.textContent = person.isSelf ? `${person.name} (you)` : person.name
    item.append(avatar, label, ' ', createBadge(person))
    return item
  })
  list.replaceChildren(...items)
  list.dataset.count = String(people.length)
}
