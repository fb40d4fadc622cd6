// Channel names: kinds, validity and wildcard expansion (bayeux-notes §1.3).

import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  expandChannel,
  isBroadcast,
  isGlobalWildcard,
  isMeta,
  isMetaChannelName,
  isService,
  isValidChannel,
  isWildcard,
} from './channel.ts'

test('expandChannel lists the patterns that match, closest first', () => {
  assert.deepEqual(expandChannel('/a/b/c'), ['/a/b/*', '/a/b/**', '/a/**', '/**'])
  assert.deepEqual(expandChannel('/a'), ['/*', '/**'])
  assert.deepEqual(expandChannel('/chat/room/10'), [
    '/chat/room/*',
    '/chat/room/**',
    '/chat/**',
    '/**',
  ])
})

test('channel kinds', () => {
  assert.equal(isMeta('/meta/connect'), true)
  assert.equal(isMetaChannelName('/meta/connect'), true)
  assert.equal(isMetaChannelName('/meta/other'), false)
  assert.equal(isService('/service/mobwrite'), true)
  assert.equal(isBroadcast('/doc/1'), true)
  assert.equal(isBroadcast('/service/x'), false)
  assert.equal(isWildcard('/doc/*'), true)
  assert.equal(isWildcard('/doc/**'), true)
  assert.equal(isWildcard('/doc/a*'), false)
  assert.equal(isGlobalWildcard('/**'), true)
  assert.equal(isGlobalWildcard('/a/**'), false)
})

test('isValidChannel accepts names and trailing wildcards only', () => {
  for (const ok of ['/a', '/a/b', '/doc/my-file.txt', '/a/*', '/a/**', '/*', '/**', '/user/~x:1']) {
    assert.equal(isValidChannel(ok), true, ok)
  }
  for (const bad of [
    '',
    '/',
    'a',
    '/a/',
    '//a',
    '/a/*/b',
    '/a/b*',
    '/a b',
    '/a"b',
    '/a\\b',
    '/***',
  ]) {
    assert.equal(isValidChannel(bad), false, bad)
  }
  assert.equal(isValidChannel('/' + 'x'.repeat(20), 10), false)
})
