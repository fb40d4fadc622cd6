import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ErrorCode } from '../../shared/errors.ts'
import { checkDocName, checkPrincipalName, docNameError, sanitizeDisplayName } from './names.ts'

test('document names: letters of any script, digits and a few marks', () => {
  for (const ok of [
    'notes',
    'notes/todo',
    'a.b-c_d~e:f@g+h',
    'Ünïcødé/日本語',
    'v1.2',
    'x'.repeat(200),
  ]) {
    assert.equal(checkDocName(ok, 200), undefined, ok)
  }
})

test('document names: empty, too long, bad characters and path tricks are refused', () => {
  const cases: [string, RegExp][] = [
    ['', /empty/],
    ['x'.repeat(201), /201 characters long \(at most 200\)/],
    ['../etc/passwd', /\.\. segments/],
    ['a/../b', /\.\. segments/],
    ['a/./b', /\.\. segments/],
    ['.', /\.\. segments/],
    ['/abs', /start or end with \//],
    ['dir/', /start or end with \//],
    ['a//b', /\/\//],
    ['a\\b', /may only contain/],
    ['a\nb', /may only contain/],
    ['a\u0000b', /may only contain/],
    ['a b', /may only contain/],
    ['a*', /may only contain/],
    ['<script>', /may only contain/],
    ['a%2e', /may only contain/],
  ]
  for (const [name, message] of cases)
    assert.match(checkDocName(name, 200) ?? 'accepted', message, JSON.stringify(name))
  assert.equal(docNameError('../x', 200)?.code, ErrorCode.ERR_DOC_NAME_INVALID)
  assert.equal(docNameError('ok', 200), undefined)
})

test('principal names: reserved and odd names are refused', () => {
  assert.equal(checkPrincipalName('alice'), undefined)
  assert.equal(checkPrincipalName('ci-bot.1@example'), undefined)
  assert.match(checkPrincipalName('*') ?? '', /reserved/)
  assert.match(checkPrincipalName('anonymous') ?? '', /reserved/)
  assert.match(checkPrincipalName('~alice') ?? '', /must start/)
  assert.match(checkPrincipalName('al:ice') ?? '', /must start/)
  assert.match(checkPrincipalName('') ?? '', /empty/)
  assert.match(checkPrincipalName('a'.repeat(65)) ?? '', /at most 64/)
})

test('display names lose controls and colons, are trimmed and cut without splitting pairs', () => {
  assert.equal(sanitizeDisplayName('  Bob\n\t:the\u0000builder ', 40, 'anon'), 'Bob the builder')
  assert.equal(sanitizeDisplayName('😀😀😀', 5, 'anon'), '😀😀')
  assert.equal(sanitizeDisplayName(':::', 40, 'anon'), 'anon')
  assert.equal(sanitizeDisplayName(42, 40, 'anon'), 'anon')
  assert.equal(sanitizeDisplayName('x'.repeat(50), 40, 'anon').length, 40)
  assert.equal(sanitizeDisplayName('a\u2028b\u202Ec', 40, 'anon'), 'a b c')
})

test('document names: look-alikes are refused, one script per word passes (issue 14)', () => {
  const refused: [string, RegExp][] = [
    ['\u0455ecret/plan', /mixes letters of several scripts in "\u0455ecret"/],
    ['\uff53ecret/plan', /NFKC form .*write it as "secret\/plan"/],
    ['\ufb01les', /NFKC form .*"files"/],
    ['\u1112\u1161\u11ab', /NFKC form/],
    ['paypa\u04cf', /several scripts/],
  ]
  for (const [name, pattern] of refused) assert.match(checkDocName(name, 200) ?? '', pattern, name)
  for (const ok of [
    'caf\u00e9',
    'Москва',
    'notes-Москва/2024',
    '日本語/コーヒー',
    '한국어',
    '漢字かな',
  ]) {
    assert.equal(checkDocName(ok, 200), undefined, ok)
  }
})
