// The editor's token handling (issue 14, token fixation): a `?token=` link never replaces the
// token this browser keeps without asking, and an empty one does not sign the user out.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { loadToken } from './identity.ts'

/** A page at `href` with `kept` in its localStorage; returns what loadToken left behind. */
function visit(href: string, kept: string | null, confirmReplace: () => boolean) {
  const items = new Map<string, string>(kept === null ? [] : [['tandem.token', kept]])
  const page = {
    href,
    asked: 0,
    localStorage: {
      getItem: (key: string) => items.get(key) ?? null,
      setItem: (key: string, value: string) => void items.set(key, value),
      removeItem: (key: string) => void items.delete(key),
    },
  }
  Object.assign(globalThis, {
    location: { href },
    localStorage: page.localStorage,
    history: {
      state: null,
      replaceState: (_s: unknown, _t: string, url: URL) => (page.href = String(url)),
    },
  })
  const token = loadToken(() => {
    page.asked++
    return confirmReplace()
  })
  return { token, kept: items.get('tandem.token'), href: page.href, asked: page.asked }
}

const yes = () => true
const no = () => false

test('a link with another token does not replace the kept one unless the user agrees', () => {
  const declined = visit('https://t.example/d/doc?token=attacker', 'mine', no)
  assert.deepEqual(declined, {
    token: 'mine',
    kept: 'mine',
    href: 'https://t.example/d/doc',
    asked: 1,
  })
  const agreed = visit('https://t.example/d/doc?token=other', 'mine', yes)
  assert.deepEqual([agreed.token, agreed.kept, agreed.asked], ['other', 'other', 1])
})

test('an empty ?token= keeps the user signed in', () => {
  const result = visit('https://t.example/d/doc?token=', 'mine', yes)
  assert.deepEqual(
    [result.token, result.kept, result.href],
    ['mine', 'mine', 'https://t.example/d/doc'],
  )
})

test('an invite link signs in a browser that keeps no token; the same token asks nothing', () => {
  assert.deepEqual(visit('https://t.example/d/doc?token=new', null, no).token, 'new')
  const same = visit('https://t.example/d/doc?token=mine', 'mine', no)
  assert.deepEqual([same.token, same.asked], ['mine', 0])
  assert.equal(visit('https://t.example/d/doc', 'mine', no).token, 'mine')
})
