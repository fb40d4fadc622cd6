// Reads the original MobWrite server's conformance conversations (`html/tests/server.xml` of npm
// `mobwrite` 0.0.2) the way its harness `html/tests/server.py` does: each TEST is a list of
// QUESTION/ANSWER texts, trimmed by `formatText`, with `[RANDOM]` replaced per test.

import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

/** One step of a conversation: a request to send or the answer expected for the last one. */
export interface Turn {
  readonly kind: 'question' | 'answer'
  readonly text: string
}

/** One TEST of server.xml. */
export interface Conversation {
  readonly name: string
  readonly turns: readonly Turn[]
}

/** Path of server.xml in the installed `mobwrite` package. */
export function serverXmlPath(): string {
  const pkg = createRequire(import.meta.url).resolve('mobwrite/package.json')
  return join(dirname(pkg), 'ext/google-mobwrite/html/tests/server.xml')
}

const entities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (whole, name: string) => {
    if (name.startsWith('#x') || name.startsWith('#X')) {
      return String.fromCodePoint(parseInt(name.slice(2), 16))
    }
    if (name.startsWith('#')) return String.fromCodePoint(Number(name.slice(1)))
    return entities[name] ?? whole
  })
}

// server.py formatText: "\nfoobar\n  " → "foobar\n"; then [RANDOM] → this test's digits.
function formatText(text: string, randomId: string): string {
  const trimmed = text.replace(/[\t ]+$/, '').replace(/^\s*(\n\r|\r\n|\r|\n)/, '')
  return trimmed.replaceAll('[RANDOM]', randomId)
}

/**
 * Parses server.xml into conversations. `randomId(name)` gives the digits that replace
 * `[RANDOM]` in that test (server.py: a fresh random number per test).
 */
export function parseServerXml(xml: string, randomId: (name: string) => string): Conversation[] {
  const withoutComments = xml.replace(/<!--[\s\S]*?-->/g, '')
  const conversations: Conversation[] = []
  for (const test of withoutComments.matchAll(/<TEST NAME="([^"]*)">([\s\S]*?)<\/TEST>/g)) {
    const name = decodeEntities(test[1] ?? '')
    const id = randomId(name)
    const turns: Turn[] = []
    for (const turn of (test[2] ?? '').matchAll(/<(QUESTION|ANSWER)>([\s\S]*?)<\/\1>/g)) {
      const kind = turn[1] === 'QUESTION' ? 'question' : 'answer'
      turns.push({ kind, text: formatText(decodeEntities(turn[2] ?? ''), id) })
    }
    conversations.push({ name, turns })
  }
  return conversations
}

/** Reads and parses the installed server.xml. */
export function readServerXml(randomId: (name: string) => string): Conversation[] {
  return parseServerXml(readFileSync(serverXmlPath(), 'utf8'), randomId)
}
