import { test } from 'node:test'
import assert from 'node:assert/strict'
import vm from 'node:vm'
import { encodeJsonp, escapeJsString } from './jsonp.ts'

/** Runs a JSONP body as a browser would and returns what reached mobwrite.callback. */
function runJsonp(body: string): unknown {
  const calls: unknown[] = []
  vm.runInNewContext(body, { mobwrite: { callback: (t: unknown) => calls.push(t) } })
  assert.equal(calls.length, 1)
  return calls[0]
}

test('the original escaping: \\ " LF CR, tabs literal (mobwrite-notes §1.9)', () => {
  assert.equal(encodeJsonp('F:1:demo\nd:0:=8\n'), 'mobwrite.callback("F:1:demo\\nd:0:=8\\n");')
  assert.equal(escapeJsString('a\\b"c\r\td'), 'a\\\\b\\"c\\r\td')
  assert.equal(encodeJsonp(''), 'mobwrite.callback("");')
})

test('cannot break out of a script element or the string', () => {
  const hostile = '</script><script>alert(1)</script><!-- \u2028\u2029 "); x("'
  const body = encodeJsonp(hostile)
  assert.doesNotMatch(body, /<|\u2028|\u2029/)
  assert.equal(runJsonp(body), hostile)
})

test('every code unit round-trips through a JavaScript engine', () => {
  let all = ''
  for (let c = 0; c < 0x10000; c += c < 0x3000 ? 1 : 97) all += String.fromCharCode(c)
  all += '\ud83d\ude00 lone \ud800 end \udfff'
  const body = encodeJsonp(all)
  assert.equal(runJsonp(body), all)
  assert.equal(Buffer.from(body, 'utf8').toString('utf8'), body)
})
