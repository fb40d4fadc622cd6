// The original MobWrite browser client (npm `mobwrite` 0.0.2, `mobwrite_core.js`, unmodified)
// run in a Node vm against a rate limit it keeps running into, in XHR and in JSONP mode: the
// refusal's `E:all:` answer makes it keep its edit stack and sync again (core.js `syncRun2_`
// skips `E:` lines and acks nothing without `F:`), so nothing it typed is lost (issue 13).

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { runInContext } from 'node:vm'
import { createRng } from '../../e2e/bench/lib/rng.ts'
import { get, postForm, runJsonp } from './gateway-clients.ts'
import { loadOriginalClient } from './original-client.ts'
import { startGatewayServer } from './gateway-harness.ts'
import { tokensIn } from './sync-sim.ts'

/** One page with the original client and one shared plain-text object. */
interface OriginalPage {
  text: string
  /** Runs one sync (`syncRun1_` to `syncRun2_`); resolves with the raw answer text. */
  sync(): Promise<string>
  readonly editStack: () => number
}

// The page's `window`: timers the test drives itself (each sync is run by hand). `gateway` as
// the page gives it: a path (XHR, resolved against `origin`) or an absolute URL (JSONP).
function loadPage(origin: string, gateway: string, user: string, file: string): OriginalPage {
  const window = { setTimeout: () => 0, clearTimeout: () => {}, console, addEventListener() {} }
  const context = loadOriginalClient({ window, document: {} })
  const page = { text: '' } as OriginalPage
  let pending: ((answer: string) => void) | undefined
  runInContext(
    `mobwrite.syncGateway = ${JSON.stringify(gateway)};
     mobwrite.syncUsername = ${JSON.stringify(user)};
     function Plain(id) { mobwrite.shareObj.apply(this, [id]) }
     Plain.prototype = new mobwrite.shareObj('');
     mobwrite.shared[${JSON.stringify(file)}] = new Plain(${JSON.stringify(file)});`,
    context,
  )
  const run = (code: string) => runInContext(code, context) as unknown
  const mobwrite = run('mobwrite') as Record<string, unknown> & {
    shared: Record<string, Record<string, unknown> & { editStack: unknown[] }>
    syncRun1_: () => void
    syncRun2_: (text: string) => void
    callback: (text: string) => void
  }
  const obj = mobwrite.shared[file]!
  obj.getClientText = () => page.text
  obj.setClientText = (text: string) => void (page.text = text)
  // XHR: core.js posts `q=` through syncLoadAjax_ and reads responseText in syncCheckAjax_.
  mobwrite.syncLoadAjax_ = (url: string, post: string) => {
    void postForm(new URL(url, origin).href, post).then(({ text }) => {
      mobwrite.syncRun2_(text)
      pending?.(text)
    })
    return {}
  }
  // JSONP: core.js appends one <script> per block; each body calls mobwrite.callback(text).
  const head = {
    appendChild(script: { src: string }) {
      void get(script.src).then(({ text }) => {
        const answer = runJsonp(text)
        mobwrite.callback(answer)
        // An empty callback acknowledges a fragment; the last block brings the answer.
        if (answer) pending?.(answer)
      })
    },
  }
  Object.assign(context.document as object, {
    getElementsByTagName: () => [head],
    getElementById: () => null,
    createElement: () => ({}),
  })
  page.sync = () =>
    new Promise((resolve) => {
      pending = resolve
      mobwrite.syncRun1_()
    })
  Object.assign(page, { editStack: () => obj.editStack.length })
  return page
}

function insertToken(page: OriginalPage, token: string, rng: () => number): void {
  const starts = [0, ...[...page.text.matchAll(/\n/g)].map((m) => (m.index ?? 0) + 1)]
  const at = starts[Math.floor(rng() * starts.length)] ?? 0
  page.text = page.text.slice(0, at) + token + '\n' + page.text.slice(at)
}

for (const mode of ['XHR', 'JSONP'] as const) {
  test(
    `the original client (${mode}) keeps its edits through rate-limit refusals`,
    { timeout: 60_000 },
    async (t) => {
      // A setting under test: a budget the clients exceed at once.
      const gw = await startGatewayServer((c) => {
        c.auth.rateBurst = 3
        c.auth.ratePerSecond = 20
      })
      t.after(() => gw.close())
      const seed = Math.floor(Math.random() * 2 ** 31)
      const rng = createRng(seed)
      // core.js picks JSONP when the gateway is an absolute URL, XHR when it is a path.
      const gateway = mode === 'XHR' ? '/scripts/q.py' : `${gw.srv.url}/scripts/q.py`
      const file = `original-${mode}`
      const pages = ['ann', 'ben'].map((user) =>
        loadPage(gw.srv.url, gateway, `${user}${mode}`, file),
      )
      // Each page opens the document before anyone types: core.js's first sync is a raw dump,
      // which (lowercase r:) never overwrites an existing text, so text typed before the first
      // answer is lost by the original protocol itself, limits or not.
      for (const page of pages) await page.sync()
      const inserted: string[] = []
      let refused = 0
      let next = 0x4e00
      for (let round = 0; round < 60; round++) {
        for (const page of pages) {
          const token = String.fromCharCode(next++)
          inserted.push(token)
          insertToken(page, token, rng)
        }
        const answers = await Promise.all(pages.map((p) => p.sync()))
        refused += answers.filter((a) => a.startsWith('E:all:')).length
      }
      assert.ok(refused > 0, 'the limit was hit')
      // Slow down as told, until both pages agree and nothing is left on the stacks.
      for (let round = 0; round < 200; round++) {
        await new Promise((resolve) => setTimeout(resolve, 60)) // the advised pace, not a wait for state
        for (const page of pages) await page.sync()
        const [a, b] = pages
        if (a!.text === b!.text && a!.editStack() === 0 && b!.editStack() === 0) break
      }
      const text = gw.sync.readDocument(file)?.text ?? ''
      t.diagnostic(`seed ${seed}; ${refused} refused`)
      assert.deepEqual(
        pages.map((p) => p.text),
        [text, text],
        'both pages show the server text',
      )
      assert.deepEqual(tokensIn(text).sort(), inserted.sort(), 'every token exactly once')
    },
  )
}
