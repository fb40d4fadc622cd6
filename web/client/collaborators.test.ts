import { test } from 'node:test'
import assert from 'node:assert/strict'
import { colorFor, describeCollaborators } from './collaborators.ts'

test('describeCollaborators reads names from handles and marks the asking client', () => {
  const people = describeCollaborators(
    [
      { handle: 'alice:127.0.0.1', id: 'abcd', meta: null },
      { handle: '~Grace Hopper:::1', id: 'zyxw', meta: '{}' },
      { handle: '~:10.0.0.1', id: '', meta: null },
    ],
    'abcdefghijkl',
  )
  assert.deepEqual(
    people.map(({ name, isAnonymous, isSelf }) => ({ name, isAnonymous, isSelf })),
    [
      { name: 'alice', isAnonymous: false, isSelf: true },
      { name: 'Grace Hopper', isAnonymous: true, isSelf: false },
      { name: 'anonymous', isAnonymous: true, isSelf: false },
    ],
  )
})

test('colorFor is stable per key and differs between keys', () => {
  assert.equal(colorFor('abcd'), colorFor('abcd'))
  assert.notEqual(colorFor('abcd'), colorFor('abce'))
  assert.match(colorFor('x'), /^hsl\(\d+ 65% 42%\)$/)
})
