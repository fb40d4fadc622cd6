// The client half (core.js syncText/syncRun2_ semantics plus Tandem's merge): requests it
// builds, answers it applies, and how it survives lost and duplicated answers.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { applyAnswer, buildRequest, createClientView, type ClientView } from './client.ts'
import { EngineHarness } from '../../server/sync/engine-harness.ts'

const texts = (text: string) => new Map([['doc', text]])

function synced(shadow: string, versions = { client: 1, server: 1 }): ClientView {
  return {
    ...createClientView('doc'),
    shadow,
    clientVersion: versions.client,
    serverVersion: versions.server,
    deltaOk: true,
  }
}

test('the first request of a view is a raw dump r:1 of the text at share time (§3.3)', () => {
  const view = createClientView('doc', { initialText: 'Hi there' })
  const { request, views } = buildRequest('me', [view], texts('Hi there'))
  assert.equal(request, 'u:me\nF:0:doc\nr:1:Hi there\n\n')
  assert.equal(views[0]?.clientVersion, 1)
  assert.equal(views[0]?.shadow, 'Hi there')
})

test('edits go on the stack and are resent until acknowledged', () => {
  let view = synced('abc')
  let built = buildRequest('me', [view], texts('abcd'))
  assert.equal(built.request, 'u:me\nF:1:doc\nd:1:=3\t+d\n\n')
  view = built.views[0] as ClientView
  // The answer was lost; the next request resends d:1 and adds d:2.
  built = buildRequest('me', [view], texts('abcde'))
  assert.equal(built.request, 'u:me\nF:1:doc\nd:1:=3\t+d\nd:2:=4\t+e\n\n')
  view = built.views[0] as ClientView
  // Nothing new and a non-empty stack: no no-op delta is added.
  built = buildRequest('me', [view], texts('abcde'))
  assert.equal(built.request, 'u:me\nF:1:doc\nd:1:=3\t+d\nd:2:=4\t+e\n\n')
  const out = applyAnswer('F:3:doc\nd:1:=5\n', [view], texts('abcde'))
  assert.deepEqual(out.views[0]?.editStack, [])
  assert.equal(out.views[0]?.serverVersion, 2)
})

test('a quiet view sends a no-op delta; D: when mergeChanges is false; m: and x: lines', () => {
  const numeric = { ...synced('12'), mergeChanges: false }
  const built = buildRequest(
    'me',
    [synced('x'), { ...numeric, file: 'n' }],
    new Map([['n', '123']]),
    {
      meta: new Map([['doc', '{"c":1}']]),
      close: ['gone', 'all'],
    },
  )
  assert.equal(
    built.request,
    'u:me\nm:{"c":1}\nF:1:doc\nd:1:=1\nF:1:n\nD:1:=2\t+3\nx:gone\nx:all\n\n',
  )
})

test('server edits are merged into a local text that changed during the request', () => {
  const view = synced('hello world', { client: 2, server: 1 })
  const out = applyAnswer('F:2:doc\nd:1:+big \t=11\n', [view], texts('hello world!'))
  const r = out.results.get('doc')
  assert.equal(r?.text, 'big hello world!')
  assert.equal(r?.textChanged, true)
  assert.equal(r?.serverChanged, true)
  assert.equal(out.views[0]?.shadow, 'big hello world')
  assert.equal(out.views[0]?.serverVersion, 2)
})

test('a duplicated answer is harmless: the second copy is seen as old', () => {
  const view = synced('a', { client: 2, server: 1 })
  const answer = 'F:2:doc\nd:1:=1\t+b\n'
  const once = applyAnswer(answer, [view], texts('a'))
  const twice = applyAnswer(answer, once.views, texts(once.results.get('doc')?.text ?? ''))
  assert.equal(twice.results.get('doc')?.text, 'ab')
  assert.deepEqual(twice.views, once.views)
  assert.equal(twice.results.get('doc')?.errors.length, 0)
})

test('D: overwrites the local text', () => {
  const out = applyAnswer('F:1:doc\nD:1:-2\t+42\n', [synced('12')], texts('123'))
  assert.equal(out.results.get('doc')?.text, '42')
})

test('R: replaces the shadow and keeps local edits made since the request (fuzzy)', () => {
  const view = synced('the cat sat', { client: 5, server: 3 })
  const out = applyAnswer('F:4:doc\nR:7:the dog sat on a mat\n', [view], texts('the cat sat!'))
  const r = out.results.get('doc')
  assert.equal(r?.text, 'the dog sat on a mat!')
  assert.equal(r?.errors[0]?.isRecoverable, true)
  assert.deepEqual(
    {
      c: out.views[0]?.clientVersion,
      s: out.views[0]?.serverVersion,
      shadow: out.views[0]?.shadow,
    },
    { c: 4, s: 7, shadow: 'the dog sat on a mat' },
  )
})

test('r: (the server has nothing) empties the shadow and keeps the local text', () => {
  const out = applyAnswer('F:1:doc\nr:0:\n', [synced('mine')], texts('mine'))
  assert.equal(out.results.get('doc')?.text, 'mine')
  assert.equal(out.views[0]?.shadow, '')
  const next = buildRequest('me', out.views, texts('mine'))
  assert.equal(next.request, 'u:me\nF:0:doc\nd:1:+mine\n\n')
})

test('a delta that does not fit or a version mismatch leads to a raw resync', () => {
  for (const answer of ['F:1:doc\nd:1:=9\n', 'F:0:doc\nd:1:=3\n', 'F:1:doc\nd:5:=3\n']) {
    const out = applyAnswer(answer, [synced('abc')], texts('abc'))
    assert.equal(out.views[0]?.deltaOk, false, answer)
    assert.equal(out.results.get('doc')?.errors[0]?.isRecoverable, true)
    assert.match(buildRequest('me', out.views, texts('abc!')).request, /^u:me\nF:1:doc\nr:2:abc!\n/)
  }
})

test('O:, E: and C: lines are reported per file', () => {
  const views = [synced('x'), { ...synced('y'), file: 'a:b' }]
  const answer = [
    'F:1:doc',
    'O:doc',
    'd:1:=1',
    'C:bob:10.0.0.2:{"cursor":{"anchor":1,"head":1},"id":"bob1"}',
    'C:carol:10.0.0.3:{"id":"caro"}',
    'E:a:b:ERR_ACCESS_DENIED: You may not open this document',
    'E:unknown:whatever',
    '',
  ].join('\n')
  const out = applyAnswer(answer, views, new Map())
  const doc = out.results.get('doc')
  assert.equal(doc?.readOnly, true)
  assert.deepEqual(doc?.collaborators, [
    { handle: 'bob:10.0.0.2', meta: '{"cursor":{"anchor":1,"head":1}}', id: 'bob1' },
    { handle: 'carol:10.0.0.3', meta: null, id: 'caro' },
  ])
  assert.deepEqual(out.results.get('a:b')?.errors, [
    { message: 'ERR_ACCESS_DENIED: You may not open this document', isRecoverable: false },
  ])
  assert.equal(out.results.has('unknown'), false)
})

test('lines for unknown files and an empty answer change nothing', () => {
  const view = synced('abc')
  const out = applyAnswer('F:1:other\nd:1:+zzz\n', [view], texts('abc'))
  assert.deepEqual(out.views, [view])
  assert.equal(out.results.size, 0)
  assert.equal(applyAnswer('', [view], texts('abc')).results.size, 0)
})

test('a line break in a user id or file name is a programmer error', () => {
  assert.throws(() => buildRequest('a\nb', [], new Map()), RangeError)
  assert.throws(() => buildRequest('a', [createClientView('x\ny')], new Map()), RangeError)
})

test('two people typing into a new document before their first answers lose nothing', () => {
  const server = new EngineHarness()
  const people = ['a', 'b'].map((letter) => ({ letter, view: createClientView('doc'), text: '' }))
  const sync = (p: (typeof people)[number], typedInFlight: string) => {
    const sent = buildRequest(`u${p.letter}`, [p.view], new Map([['doc', p.text]]))
    const answer = server.run(sent.request).answer
    // The person keeps typing while the request is in flight.
    const got = applyAnswer(answer, sent.views, new Map([['doc', p.text + typedInFlight]]))
    p.view = got.views[0] as ClientView
    p.text = got.results.get('doc')?.text ?? p.text + typedInFlight
  }
  // Both type into the new document before their first request, and again while it is out.
  for (const p of people) p.text = p.letter.repeat(2)
  for (const p of people) sync(p, p.letter)
  for (let round = 0; round < 3; round++) for (const p of people) sync(p, '')
  const [a, b] = people as [(typeof people)[number], (typeof people)[number]]
  assert.equal(a.text, b.text)
  assert.equal(a.text.replace(/b/g, ''), 'aaa')
  assert.equal(a.text.replace(/a/g, ''), 'bbb')
})

test('C: lines replace the collaborator list; none leaves it as it was; a bare C: empties it', () => {
  const view = { ...createClientView('doc'), hasAnswer: true }
  const texts = new Map([['doc', '']])
  const results = (answer: string) => applyAnswer(answer, [view], texts).results.get('doc')
  assert.equal(results('F:0:doc\nd:0:=0\n')?.collaborators, null)
  assert.deepEqual(results('F:0:doc\nd:0:=0\nC:bob:1.2.3.4:{"id":"bob1","x":1}\n')?.collaborators, [
    { handle: 'bob:1.2.3.4', meta: '{"x":1}', id: 'bob1' },
  ])
  assert.deepEqual(results('F:0:doc\nd:0:=0\nC:\n')?.collaborators, [])
})
