// Who the editor user is: a display name kept in localStorage (asked once), and an optional
// bearer token taken from the page URL (`?token=`, never silently over a kept one) or localStorage.

const nameKey = 'tandem.name'
const tokenKey = 'tandem.token'

/** The stored display name, or null when the user has not chosen one yet. */
export function loadName(): string | null {
  const name = localStorage.getItem(nameKey)?.trim()
  return name ? name : null
}

/** Remember the display name for the next visits. */
export function saveName(name: string): void {
  localStorage.setItem(nameKey, name.trim())
}

/**
 * The bearer token. A `?token=` parameter is taken when this browser keeps none yet (an invite
 * link); one that differs from the kept token replaces it only if the user says so through
 * `confirmReplace`, since a link could otherwise sign a visitor in as someone else (token
 * fixation, issue 14), and an empty one changes nothing (it used to sign the user out). Either
 * way the parameter is removed from the address bar, so it ends up in no screenshot or shared
 * link. Without a parameter: the kept token.
 */
export function loadToken(
  confirmReplace: (message: string) => boolean = (message) => window.confirm(message),
): string | undefined {
  const url = new URL(location.href)
  const fromUrl = url.searchParams.get('token')
  if (fromUrl !== null) {
    const kept = localStorage.getItem(tokenKey)
    const replaces = kept !== null && kept !== fromUrl
    const message =
      'This link signs you in with another access token than the one this browser keeps. ' +
      'Use the token from the link (OK), or stay signed in as before (Cancel)?'
    if (fromUrl !== '' && (!replaces || confirmReplace(message))) {
      localStorage.setItem(tokenKey, fromUrl)
    }
    url.searchParams.delete('token')
    history.replaceState(history.state, '', url)
  }
  return localStorage.getItem(tokenKey) ?? undefined
}

/**
 * Ask for a display name with the page's `<dialog>` unless one is stored; resolves with it.
 * `force` asks again (the "change name" button).
 */
export function askName(dialog: HTMLDialogElement, force = false): Promise<string> {
  const stored = loadName()
  if (stored && !force) return Promise.resolve(stored)
  const input = dialog.querySelector('input')
  const form = dialog.querySelector('form')
  if (!input || !form) throw new TypeError('The name dialog needs a <form> with an <input>')
  input.value = stored ?? ''
  return new Promise((resolve) => {
    form.addEventListener(
      'submit',
      (event) => {
        event.preventDefault()
        const name = input.value.trim() || 'Anonymous'
        saveName(name)
        dialog.close()
        resolve(name)
      },
      { once: true },
    )
    // Escape keeps the current name; without one there is nothing to keep.
    dialog.addEventListener('cancel', (event) => {
      if (stored) resolve(stored)
      else event.preventDefault()
    })
    dialog.showModal()
    input.focus()
  })
}

/** The path of the editor page for document `name` (each `/`-separated segment escaped). */
export function docPath(name: string): string {
  return `/d/${name.split('/').map(encodeURIComponent).join('/')}`
}

/** The document name in the current `/d/<name>` address, or null when the path is not one. */
export function docNameFromPath(pathname: string): string | null {
  if (!pathname.startsWith('/d/')) return null
  try {
    const name = pathname.slice(3).split('/').map(decodeURIComponent).join('/')
    return name === '' ? null : name
  } catch {
    return null
  }
}
