// Conversation tests: the behaviours of the original server's 30-conversation conformance file
// (mobwrite-notes §1.11), with our own data, plus Tandem's merge and F: rules. Each step is a
// request and the exact answer (lines joined by " / ", tabs as \t).

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { EngineHarness } from './engine-harness.ts'

type Step = readonly [request: string, answer: string]

interface Conversation {
  readonly name: string
  readonly steps: readonly Step[]
  /** Expected master texts after the last step. */
  readonly texts?: Readonly<Record<string, string | null>>
}

const conversations: Conversation[] = [
  {
    name: 'raw then delta in one request',
    steps: [['u:ann / F:0:memo / R:0:Good morning / d:0:-4\t+Bad\t=8', 'F:1:memo / d:0:=11']],
    texts: { memo: 'Bad morning' },
  },
  {
    name: 'raw on a null file is adopted',
    steps: [['u:ann / f:0:memo / r:1:Hi there', 'F:1:memo / d:0:=8']],
    texts: { memo: 'Hi there' },
  },
  {
    name: 'a lowercase raw does not overwrite existing text',
    steps: [
      ['u:ann / f:0:memo / r:1:Hi there', 'F:1:memo / d:0:=8'],
      ['u:bob / F:0:memo / r:0:y', 'F:0:memo / d:0:-1\t+Hi there'],
    ],
    texts: { memo: 'Hi there' },
  },
  {
    name: 'an uppercase raw overwrites',
    steps: [
      ['u:ann / f:0:memo / r:1:Hi there', 'F:1:memo / d:0:=8'],
      ['u:bob / F:0:memo / R:0:Bye', 'F:0:memo / D:0:=3'],
    ],
    texts: { memo: 'Bye' },
  },
  {
    name: 'a delta whose lengths do not add up gets a raw R:',
    steps: [
      ['u:ann / f:0:memo / R:0:Good morning / d:0:-4\t+Bad\t=7', 'F:1:memo / R:0:Good morning'],
    ],
    texts: { memo: 'Good morning' },
  },
  {
    name: 'a bad delta on a null file gets an empty raw r:',
    steps: [['u:ann / f:0:memo / d:0:-3', 'F:1:memo / r:0:']],
    texts: { memo: null },
  },
  {
    name: 'after a raw resync F: is the version really expected (no r96 off-by-one)',
    steps: [
      ['u:ann / f:0:memo / R:0:abc / d:0:-9', 'F:1:memo / R:0:abc'],
      // The stock client sets clientVersion to F (1) and sends its next edit as d:1: applied.
      ['u:ann / f:0:memo / d:1:=3\t+d', 'F:2:memo / d:0:=4'],
    ],
    texts: { memo: 'abcd' },
  },
  {
    name: 'simple merge of two clients',
    steps: [
      ['f:0:t / u:a / R:0:Good morning', 'F:0:t / D:0:=12'],
      ['f:0:t / U:b / R:0:Good morning / d:0:-4\t+Bad\t=8', 'u:b / F:1:t / d:0:=11'],
      // "Good" → "Bad" is one replacement: "Bad" shares its "d" with "Good" by coincidence.
      ['f:1:t / U:a / d:0:=12\t+s', 'u:a / F:1:t / d:1:-4\t+Bad\t=9'],
    ],
    texts: { t: 'Bad mornings' },
  },
  {
    name: 'conflicting replacements of one word keep both words whole, the space once',
    steps: [
      ['u:a / f:0:t / R:0:Good morning', 'F:0:t / D:0:=12'],
      ['u:b / f:0:t / R:0:Good morning / d:0:-4\t+Bad\t=8', 'F:1:t / d:0:=11'],
      // The incoming edit goes first where both replaced the same word (merge.ts).
      ['u:a / f:1:t / d:0:-4\t+Fine\t=8', 'F:1:t / d:1:=4\t+Bad\t=8'],
    ],
    texts: { t: 'FineBad morning' },
  },
  {
    name: 'two users typing inside one word keep each letter once (no duplicated word)',
    steps: [
      ['u:a / f:0:t / r:1:ab', 'F:1:t / d:0:=2'],
      ['u:b / f:0:t / r:1:ab', 'F:1:t / d:0:=2'],
      ['u:a / f:1:t / d:1:+c\t=2\t+d', 'F:2:t / d:1:=4'],
      ['u:b / f:1:t / d:1:=1\t+e\t=1', 'F:2:t / d:1:+c\t=3\t+d'],
    ],
    texts: { t: 'caebd' },
  },
  {
    name: 'numeric merge with D: is last writer wins',
    steps: [
      ['u:a / f:0:n / R:0:23', 'F:0:n / D:0:=2'],
      ['u:b / f:0:n / R:0:23 / D:0:+1\t=2', 'F:1:n / D:0:=3'],
      ['u:a / f:1:n / D:0:=2\t+4', 'F:1:n / D:1:=3'],
    ],
    texts: { n: '234' },
  },
  {
    name: 'a no-op D: never clobbers',
    steps: [
      ['u:a / f:0:n / R:0:23', 'F:0:n / D:0:=2'],
      ['u:b / f:0:n / R:0:23 / D:0:+1\t=2', 'F:1:n / D:0:=3'],
      ['u:a / f:1:n / D:0:=2', 'F:1:n / D:1:+1\t=2'],
    ],
    texts: { n: '123' },
  },
  {
    name: 'lost return packet: rollback to the backup shadow',
    steps: [
      ['u:a / f:0:t / R:0:Hi world', 'F:0:t / D:0:=8'],
      ['u:b / f:0:t / R:0:Bye world', 'F:0:t / D:0:=9'],
      ['u:a / f:1:t / d:0:=8', 'F:1:t / d:1:-2\t+Bye\t=6'],
      ['u:a / f:1:t / d:0:=8 / d:1:=8\t+!', 'F:2:t / d:1:-2\t+Bye\t=7'],
    ],
    texts: { t: 'Bye world!' },
  },
  {
    name: 'duplicate packet is answered like the first copy',
    steps: [
      ['u:u / f:0:t / R:0:Hi world', 'F:0:t / D:0:=8'],
      ['u:u / f:1:t / d:0:-2\t+Bye\t=6', 'F:1:t / d:1:=9'],
      ['u:u / f:1:t / d:0:-2\t+Bye\t=6', 'F:1:t / d:1:=9'],
    ],
    texts: { t: 'Bye world' },
  },
  {
    name: 'a duplicate after another client changed the text keeps both answers consistent',
    steps: [
      ['u:u / f:0:t / R:0:ab', 'F:0:t / D:0:=2'],
      ['u:u / f:1:t / d:0:=2\t+c', 'F:1:t / d:1:=3'],
      ['u:v / f:0:t / r:1:abc / d:1:+x\t=3', 'F:2:t / d:0:=4'],
      // The copy resends the stack (d:1) and adds what changed since (d:2); nothing is rebuilt.
      ['u:u / f:1:t / d:0:=2\t+c', 'F:1:t / d:1:=3 / d:2:+x\t=3'],
      ['u:u / f:2:t / d:1:=3', 'F:2:t / d:2:+x\t=3'],
      ['u:u / f:3:t / d:1:=4', 'F:2:t / d:3:=4'],
    ],
    texts: { t: 'xabc' },
  },
  {
    // Property regression (server/test/sync-property.test.ts): a joining client's first dump was
    // held back and arrived after its second; it reset the view and the next edit got R:.
    name: 'a raw dump that arrives after a newer one changes nothing',
    steps: [
      ['u:ann / f:0:t / r:1:a', 'F:1:t / d:0:=1'],
      ['u:bob / F:0:t / r:2:', 'F:2:t / d:0:+a'],
      ['u:bob / F:0:t / r:1:', 'F:2:t / d:0:+a'],
      ['u:bob / F:1:t / d:2:+b\t=1', 'F:3:t / d:1:=2'],
    ],
    texts: { t: 'ba' },
  },
  {
    // The original client keeps its dump on the stack until acknowledged: after two lost
    // answers it resends r:1 with the deltas the server already took, which ran twice.
    name: 'a resent raw dump does not apply the deltas after it twice',
    steps: [
      ['u:ann / f:0:t / r:1:a', 'F:1:t / d:0:=1'],
      ['u:bob / F:0:t / r:1:', 'F:1:t / d:0:+a'],
      ['u:bob / F:0:t / r:1: / d:1:+x', 'F:2:t / d:0:=1\t+a'],
      ['u:bob / F:0:t / r:1: / d:1:+x / d:2:=1\t+y', 'F:3:t / d:0:=2\t+a'],
    ],
    texts: { t: 'xya' },
  },
  {
    name: 'a future delta and a future server version get a raw resync',
    steps: [
      ['u:a / f:0:t / R:0:abc', 'F:0:t / D:0:=3'],
      ['u:a / f:1:t / d:5:=3', 'F:0:t / R:1:abc'],
      ['u:a / f:9:t / d:0:=3', 'F:0:t / R:1:abc'],
    ],
  },
  {
    name: 'nullify deletes the text and the view; no answer',
    steps: [
      ['u:a / f:0:t / R:0:Hi world', 'F:0:t / D:0:=8'],
      ['u:b / f:0:t / r:1:Hi world', 'F:1:t / d:0:=8'],
      ['u:a / N:t', ''],
      // b's view survives and recreates the text on its next delta.
      ['u:b / f:1:t / d:1:=8', 'F:2:t / d:1:=8'],
      // a's view is gone: its old versions are from the future now.
      ['u:a / f:1:t / d:0:=8', 'F:0:t / R:0:Hi world'],
    ],
    texts: { t: 'Hi world' },
  },
  {
    name: 'a D: delta that recreates a nullified text is answered d: (nothing was overwritten)',
    steps: [
      ['u:a / f:0:t / R:0:Hi world', 'F:0:t / D:0:=8'],
      ['u:b / f:0:t / r:1:Hi world', 'F:1:t / d:0:=8'],
      ['u:a / N:t', ''],
      ['u:b / f:1:t / D:1:=8', 'F:2:t / d:1:=8'],
      // Once the text exists, D: overwrites again and is answered D:.
      ['u:b / f:2:t / D:2:=8\t+!', 'F:3:t / D:2:=9'],
    ],
    texts: { t: 'Hi world!' },
  },
  {
    name: 'stacked D: deltas onto a nullified text: only the first one recreates it',
    steps: [
      ['u:c / f:0:t / r:1:Hi', 'F:1:t / d:0:=2'],
      ['u:a / n:t', ''],
      ['u:c / f:1:t / D:1:=2 / D:2:=2\t+!', 'F:3:t / D:1:=3'],
    ],
    texts: { t: 'Hi!' },
  },
  {
    name: 'a brand-new view of a nullified file gets r:',
    steps: [
      ['u:a / f:0:t / R:0:Hi', 'F:0:t / D:0:=2'],
      ['u:a / n:t', ''],
      ['u:c / f:1:t / d:1:=2', 'F:0:t / r:0:'],
    ],
    texts: { t: null },
  },
  {
    name: 'escaping round-trips NUL, %, newlines and non-ASCII',
    steps: [
      ['u:e / F:0:x / R:0:a%00b%25c%0Ad', 'F:0:x / D:0:=7'],
      ['u:e / F:0:y / R:0:a%E3%81%86b%F0%9F%98%80', 'F:0:y / D:0:=5'],
    ],
    texts: { x: 'a\u0000b%c\nd', y: 'a\u3046b\u{1F600}' },
  },
  {
    name: 'CR and CRLF in the master text become LF',
    steps: [['u:e / F:0:z / R:0:a%0Db%0D%0Ac', 'F:0:z / D:0:=1\t-3\t+%0Ab\t=2']],
    texts: { z: 'a\nb\nc' },
  },
  {
    name: 'several files and the u: echo',
    steps: [
      [
        'U:zed / F:0:docA / r:1:one / F:0:docB / r:1:two%0Alines',
        'u:zed / F:1:docA / d:0:=3 / F:1:docB / d:0:=9',
      ],
    ],
  },
  {
    name: 'two users in one request: u: echoed per user',
    steps: [
      [
        'U:p / F:0:d / r:1:x / U:q / F:0:d / r:1:y',
        'u:p / F:1:d / d:0:=1 / u:q / F:1:d / d:0:-1\t+x',
      ],
    ],
  },
  {
    name: 'bad commands and junk lines are ignored',
    steps: [
      ['x:foo', ''],
      ['UNKNOWN COMMAND', ''],
      ['u:a / F:0:t / q:1 / zz / d0:bad / F:x:t / r:1:ok', 'F:1:t / d:0:=2'],
    ],
  },
  { name: 'a file line without d/r gets nothing', steps: [['u:carol / F:0:doc1', '']] },
  {
    name: 'edit lines before a user line or without a file do nothing',
    steps: [
      ['F:0:t / r:1:a / u:a', ''],
      ['u:a / d:0:=1', ''],
    ],
  },
  {
    name: 'a filename may contain colons',
    steps: [['u:a / F:0:a:b:c / r:1:x', 'F:1:a:b:c / d:0:=1']],
    texts: { 'a:b:c': 'x' },
  },
  {
    name: 'empty raw dumps are accepted',
    steps: [['u:a / F:0:e / r:1:', 'F:1:e / d:0:']],
    texts: { e: '' },
  },
  {
    name: 'x: closes one view, x:all every view of the user (present in the map)',
    steps: [
      ['u:a / F:0:p / r:1:1 / F:0:q / r:1:2', 'F:1:p / d:0:=1 / F:1:q / d:0:=1'],
      ['u:a / x:p', ''],
      ['u:a / F:0:p / d:1:=1', 'F:0:p / R:0:1'],
      ['u:a / x:all', ''],
      ['u:a / F:1:q / d:1:=1', 'F:0:q / R:0:2'],
    ],
  },
]

for (const c of conversations) {
  test(`conversation: ${c.name}`, { timeout: 10_000 }, () => {
    const server = new EngineHarness()
    c.steps.forEach(([request, answer], i) => {
      assert.equal(server.say(request), answer, `step ${i + 1}: ${request}`)
    })
    for (const [file, text] of Object.entries(c.texts ?? {})) assert.equal(server.text(file), text)
  })
}

test('an unterminated request is rejected with an empty answer and changes nothing', () => {
  const server = new EngineHarness()
  const result = server.run('u:a\nF:0:t\nr:1:hello\n')
  assert.equal(result.answer, '')
  assert.equal(result.views.size, 0)
  assert.equal(server.text('t'), null)
})

test('CRLF-terminated requests are accepted', () => {
  const server = new EngineHarness()
  assert.equal(server.run('u:a\r\nF:0:t\r\nr:1:hello\r\n\r\n').answer, 'F:1:t\nd:0:=5\n')
})

test('a new view and a changed document are reported with revision and time', () => {
  const server = new EngineHarness()
  const result = server.run('u:a\nF:0:t\nr:1:hello\n\n')
  assert.deepEqual(result.changedFiles, ['t'])
  const doc = result.documents.get('t')
  assert.equal(doc?.revision, 1)
  assert.equal(doc?.text, 'hello')
  const view = [...result.views.values()][0]
  assert.equal(view?.handle, 'alice:127.0.0.1')
  assert.equal(view?.clientVersion, 1)
  assert.equal(view?.serverVersion, 1)
})
