import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { AclRule } from '../store/store.ts'
import { checkPattern, findRule, matchesPattern, resolveAccess, type Principal } from './acl.ts'

const alice: Principal = { principal: 'alice' }
const bob: Principal = { principal: 'bob' }
const guest: Principal = { principal: 'anonymous' }

function rule(pattern: string, principal: string, access: AclRule['access']): AclRule {
  return { pattern, principal, access, createdMs: 0 }
}

test('patterns: exact names, trailing-* prefixes and * alone', () => {
  assert.equal(matchesPattern('notes/*', 'notes/a/b'), true)
  assert.equal(matchesPattern('notes/*', 'notesx'), false)
  assert.equal(matchesPattern('notes*', 'notesx'), true)
  assert.equal(matchesPattern('*', 'anything'), true)
  assert.equal(matchesPattern('notes/a', 'notes/a'), true)
  assert.equal(matchesPattern('notes/a', 'notes/ab'), false)
  assert.equal(checkPattern('*', 200), undefined)
  assert.equal(checkPattern('notes/*', 200), undefined)
  assert.equal(checkPattern('notes/todo', 200), undefined)
  assert.match(checkPattern('no*tes', 200) ?? '', /one \*, at the end/)
  assert.match(checkPattern('../*', 200) ?? '', /\.\./)
  assert.match(checkPattern('/etc', 200) ?? '', /start or end/)
})

test('an exact name beats a longer prefix, which beats a shorter one and *', () => {
  const rules = [
    rule('*', '*', 'read'),
    rule('notes/*', 'alice', 'write'),
    rule('notes/private/*', '*', 'none'),
    rule('notes/private/shared', 'alice', 'read'),
  ]
  assert.equal(resolveAccess(rules, alice, 'notes/todo', 'none'), 'write')
  assert.equal(resolveAccess(rules, alice, 'notes/private/x', 'none'), 'none')
  assert.equal(resolveAccess(rules, alice, 'notes/private/shared', 'none'), 'read')
  assert.equal(resolveAccess(rules, bob, 'notes/todo', 'none'), 'read')
  assert.equal(resolveAccess(rules, bob, 'notes/private/shared', 'none'), 'none')
})

test('with the same pattern a user beats anonymous, which beats *', () => {
  const rules = [
    rule('doc', '*', 'read'),
    rule('doc', 'anonymous', 'none'),
    rule('doc', 'alice', 'write'),
  ]
  assert.equal(resolveAccess(rules, alice, 'doc', 'none'), 'write')
  assert.equal(resolveAccess(rules, bob, 'doc', 'none'), 'read')
  assert.equal(resolveAccess(rules, guest, 'doc', 'write'), 'none')
  // Rule order in the list does not matter.
  assert.equal(resolveAccess([...rules].reverse(), alice, 'doc', 'none'), 'write')
})

test('anonymous rules never apply to users, user rules never to anonymous', () => {
  const rules = [rule('*', 'anonymous', 'write')]
  assert.equal(resolveAccess(rules, alice, 'x', 'read'), 'read')
  assert.equal(resolveAccess(rules, guest, 'x', 'read'), 'write')
  assert.equal(findRule([rule('*', 'alice', 'write')], guest, 'x'), undefined)
  assert.equal(findRule([rule('*', 'anonymous', 'write')], bob, 'x'), undefined)
})

test('no matching rule gives the default', () => {
  assert.equal(resolveAccess([rule('notes/*', 'alice', 'write')], bob, 'notes/x', 'read'), 'read')
  assert.equal(resolveAccess([], guest, 'x', 'none'), 'none')
})
