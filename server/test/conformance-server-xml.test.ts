// The original MobWrite server's own conformance conversations (`html/tests/server.xml` of npm
// `mobwrite` 0.0.2), parsed at test time and replayed as its harness `server.py` replays them,
// against Tandem as `npm start` wires it (default configuration, rate limits on) through the
// HTTP gateway the original client uses: POST /scripts/q.py with q=encodeURIComponent(request).
// Every conversation must give the original answers, except the cases in `deviations` below,
// where Tandem's no-loss rule (issue 13) forbids the original answer.

import { after, before, test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { startDefaultServer, type DefaultServer } from './harness.ts'
import { postForm, xhrBody } from './gateway-clients.ts'
import { readServerXml, type Conversation } from './server-xml.ts'

/** An answer line Tandem gives instead of the original's, and why. */
interface Deviation {
  /** Which ANSWER of the conversation (1-based). */
  readonly answer: number
  /** The original's line in that answer. */
  readonly original: string
  /** Tandem's line instead (any one of these). */
  readonly tandem: readonly string[]
  readonly reason: string
}

// Also listed in README "Conformance with the original server".
const deviations: Readonly<Record<string, Deviation>> = {
  'Conflicting merge': {
    answer: 3,
    original: 'd:1:-2\t+Goodbye\t=6',
    // "Hello world" → B "Goodbye world", A "My world": both words kept, the space once.
    tandem: ['d:1:+Goodbye\t=8', 'd:1:=2\t+Goodbye\t=6'],
    reason:
      'The original keeps the first change and drops A\'s "My" (fuzzy patch, "first change ' +
      'wins"): a lost keystroke. Tandem\'s three-way merge keeps both replacements whole, side ' +
      'by side, so A is told to insert "Goodbye" next to its "My" (GoodbyeMy world or ' +
      'MyGoodbye world).',
  },
}

// Mozilla's `C:<handle>:<json>` collaborator lines (README "Extras from Mozilla's fork"), which
// the original client skips as unknown lines: every view in these conversations is anonymous
// from this address, named by an opaque 8-character id.
const collaboratorLine = /^C:~anonymous:127\.0\.0\.1:\{"id":"[\w-]{8}"\}$/

let srv: DefaultServer
before(async () => {
  srv = await startDefaultServer()
})
after(() => srv.close())

/** One request as core.js sends it, answered as server.py reads it ("\n" alone is ""). */
async function ask(request: string): Promise<string> {
  const res = await postForm(srv.url + '/scripts/q.py', xhrBody(request))
  assert.equal(res.status, 200)
  return res.text === '\n' ? '' : res.text
}

/** The answer without its `C:` lines, after checking each of them. */
function withoutCollaborators(answer: string): string {
  const lines = answer.split('\n')
  for (const line of lines.filter((l) => l.startsWith('C:'))) {
    assert.match(line, collaboratorLine, 'a collaborator line names another view of the file')
  }
  return lines.filter((l) => !l.startsWith('C:')).join('\n')
}

/** The answers Tandem may give where server.xml's answer `index` of `name` is `expected`. */
function allowedAnswers(name: string, index: number, expected: string) {
  const deviation = deviations[name]
  if (deviation?.answer !== index) return { answers: [expected], reason: undefined }
  assert.ok(expected.includes(deviation.original), `server.xml ${name} changed; update the table`)
  const swap = (line: string) => expected.replace(deviation.original, line)
  const answers = deviation.tandem.map(swap)
  return { answers, reason: deviation.reason }
}

async function replay(t: TestContext, conversation: Conversation): Promise<void> {
  let response: string | undefined
  let index = 0
  for (const turn of conversation.turns) {
    if (turn.kind === 'question') {
      response = await ask(turn.text)
      continue
    }
    index++
    assert.ok(response !== undefined, `answer ${index} follows a question`)
    const got = withoutCollaborators(response)
    const { answers, reason } = allowedAnswers(conversation.name, index, turn.text)
    if (reason) t.diagnostic(`answer ${index} deviates from the original: ${reason}`)
    assert.ok(
      answers.includes(got),
      `answer ${index}: got ${JSON.stringify(got)}, want ${answers.map((a) => JSON.stringify(a)).join(' or ')}`,
    )
    response = undefined
  }
}

// server.py: a fresh random number per test replaces [RANDOM].
const conversations = readServerXml(() => String(Math.random()).slice(2, 18))

test('server.xml holds the 30 conversations of MobWrite r96', () => {
  assert.equal(conversations.length, 30)
  for (const name of Object.keys(deviations)) {
    assert.ok(
      conversations.some((c) => c.name === name),
      `deviation for a missing test: ${name}`,
    )
  }
})

for (const conversation of conversations) {
  test(`server.xml: ${conversation.name}`, { timeout: 10_000 }, (t) => replay(t, conversation))
}
