import { test } from 'node:test'
import assert from 'node:assert/strict'
import { decodeForm, decodeFormComponent } from './form.ts'
import { SyncError } from '../../shared/errors.ts'

const bytes = (s: string) => Buffer.from(s, 'latin1')

test('decodes what the browser client sends with encodeURIComponent', () => {
  const text = 'u:abcdefgh\nF:0:demo\nr:1:Hi%20there\n\n'
  const fields = decodeForm('q=' + encodeURIComponent(text))
  assert.equal(fields.get('q'), text)
})

test('+ is a space, %2B is a plus (Java URLEncoder form)', () => {
  assert.equal(decodeFormComponent(bytes('a+b%2Bc')), 'a b+c')
})

test('decodes UTF-8 escapes and keeps a leading BOM', () => {
  assert.equal(decodeFormComponent(bytes('%EF%BB%BFx%E3%81%86')), '\ufeffx\u3046')
})

test('first field wins, empty pairs and valueless names are accepted', () => {
  const fields = decodeForm('&&p=1&p=2&flag&=v')
  assert.equal(fields.get('p'), '1')
  assert.equal(fields.get('flag'), '')
  assert.equal(fields.get(''), 'v')
})

test('rejects broken escapes and invalid UTF-8 with ERR_REQUEST_INVALID', () => {
  for (const bad of ['q=%', 'q=%4', 'q=%zz', 'q=%C3%28', 'q=%ED%A0%80', 'q=%FF']) {
    assert.throws(
      () => decodeForm(bad),
      (e: unknown) => e instanceof SyncError && e.code === 'ERR_REQUEST_INVALID',
      bad,
    )
  }
})

test('client-chosen names do not reach the prototype', () => {
  const fields = decodeForm('__proto__=x&constructor=y')
  assert.equal(fields.get('__proto__'), 'x')
  assert.equal(Object.getPrototypeOf(fields), Map.prototype)
})
