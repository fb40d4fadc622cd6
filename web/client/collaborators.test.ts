import { test } from 'node:test'
import assert from 'node:assert/strict'
import { badgeOf, colorFor, describeCollaborators, labelOf } from './collaborators.ts'

test('describeCollaborators reads names from handles; every listed view is someone else', () => {
  // Issue 14 finding 11: a view whose id started like ours ('abcd…') was taken for us and hidden.
  const people = describeCollaborators([
    { handle: 'alice:127.0.0.1', id: 'abcd', meta: null },
    { handle: '~Grace Hopper:::1', id: 'zyxw', meta: '{}' },
    { handle: '~:10.0.0.1', id: '', meta: null },
  ])
  assert.deepEqual(
    people.map(({ name, isAnonymous, isSelf }) => ({ name, isAnonymous, isSelf })),
    [
      { name: 'alice', isAnonymous: false, isSelf: false },
      { name: 'Grace Hopper', isAnonymous: true, isSelf: false },
      { name: 'anonymous', isAnonymous: true, isSelf: false },
    ],
  )
})

test('a guest named alice is shown apart from the token user alice', () => {
  const [guest, user] = describeCollaborators([
    { handle: '~alice:10.0.0.1', id: 'g', meta: null },
    { handle: 'alice:10.0.0.2', id: 'u', meta: null },
  ])
  assert.ok(guest && user)
  assert.equal(labelOf(guest), 'alice · guest')
  assert.equal(labelOf(user), 'alice · ✓ verified')
  assert.equal(labelOf({ ...guest, isSelf: true }), 'alice (you) · guest')
  assert.notEqual(badgeOf(guest).title, badgeOf(user).title)
})

test('colorFor is stable per key and differs between keys', () => {
  assert.equal(colorFor('abcd'), colorFor('abcd'))
  assert.notEqual(colorFor('abcd'), colorFor('abce'))
  assert.match(colorFor('x'), /^hsl\(\d+ 65% 42%\)$/)
})
