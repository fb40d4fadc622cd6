// The unmodified original MobWrite browser client (npm `mobwrite` 0.0.2, r96: diff_match_patch,
// mobwrite_core.js, mobwrite_form.js) against Tandem on its default settings (the worker server
// of fixtures.ts: rate limits on; JSONP switched on, see below). Two people share one textarea: one page loads the client from
// Tandem's own origin with the gateway as a relative path (XHR POST of `q=`), the other from a
// second origin and port with the gateway as an absolute URL (JSONP: `<script>` GETs of `p=`).
// Both type at human speed (20–60 ms a key) on their own line while the client syncs every
// 250 ms; every typed character must come out exactly once, in order, on both pages.
// (mobwrite-notes §3; issue 13 saw "And hellofrom JSONP. " and "And hllo from JSONP.e".)

import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Browser, Page } from '@playwright/test'
import {
  test as base,
  expect,
  seededRandom,
  startTandem,
  typeLikeHuman,
  uniqueDoc,
} from './fixtures.ts'
import type { TandemServer } from './fixtures.ts'

const clientDir = resolve(
  fileURLToPath(new URL('..', import.meta.url)),
  'node_modules/mobwrite/ext/google-mobwrite/html',
)
const clientFiles = ['diff_match_patch_uncompressed.js', 'mobwrite_core.js', 'mobwrite_form.js']
/** Where the test page and the client's files are served, on either origin. */
const basePath = '/e2e-mobwrite'
const syncIntervalMs = 250

function testPage(doc: string, gateway: string): string {
  const scripts = clientFiles.map((file) => `<script src="${basePath}/${file}"></script>`)
  return `<!doctype html><meta charset="utf-8"><title>MobWrite client</title>
${scripts.join('\n')}
<textarea id="${doc}" rows="8" cols="120" wrap="off"></textarea>
<script>
  mobwrite.syncGateway = ${JSON.stringify(gateway)}
  mobwrite.syncInterval = ${syncIntervalMs}
  mobwrite.minSyncInterval = ${syncIntervalMs}
  mobwrite.maxSyncInterval = ${syncIntervalMs}
  mobwrite.share(${JSON.stringify(doc)})
</script>`
}

/** The page or a client file for `url` (below {@link basePath}); null for anything else. */
function serve(url: URL): { type: string; body: string } | null {
  const name = url.pathname.slice(basePath.length + 1)
  if (url.pathname === `${basePath}/page`) {
    const doc = url.searchParams.get('doc') ?? ''
    const gateway = url.searchParams.get('gateway') ?? ''
    return { type: 'text/html; charset=utf-8', body: testPage(doc, gateway) }
  }
  if (!url.pathname.startsWith(`${basePath}/`) || !clientFiles.includes(name)) return null
  return {
    type: 'application/javascript; charset=utf-8',
    body: readFileSync(join(clientDir, name), 'utf8'),
  }
}

type Mode = 'xhr' | 'jsonp'

/** How each page reached the gateway: "xhr POST", "script GET", … (each kind once). */
const gatewayRequests = new WeakMap<Page, Set<string>>()

const test = base.extend<object, { host: { url: string }; tandem: TandemServer }>({
  // JSONP is off by default (any web page could read and write documents through a visitor's
  // browser, issue 14); an operator who serves the original client's cross-origin JSONP mode
  // switches it on with TANDEM_JSONP=true, and this spec is that operator. Otherwise the defaults.
  tandem: [
    async ({}, use) => {
      const server = await startTandem({ TANDEM_JSONP: 'true' })
      await use(server)
      await server.stop()
    },
    { scope: 'worker', timeout: 60_000 },
  ],
  // A second origin (its own port) for the JSONP page.
  host: [
    async ({}, use) => {
      const server: Server = createServer((req, res) => {
        const found = serve(new URL(req.url ?? '/', 'http://localhost'))
        if (!found) return void res.writeHead(404).end()
        res.writeHead(200, { 'content-type': found.type }).end(found.body)
      })
      await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
      await use({ url: `http://localhost:${(server.address() as AddressInfo).port}` })
      await new Promise((done) => server.close(done))
    },
    { scope: 'worker' },
  ],
})

/** Open the test page for `doc` in a new context: XHR on Tandem's origin, JSONP on the host's. */
async function openClient(
  browser: Browser,
  tandem: TandemServer,
  hostUrl: string,
  doc: string,
  mode: Mode,
): Promise<Page> {
  const context = await browser.newContext()
  // The XHR page must share Tandem's origin for the relative gateway; Tandem itself is not
  // changed: only this page and the client files are answered here, the gateway is the server.
  await context.route(`${tandem.url}${basePath}/**`, async (route) => {
    const found = serve(new URL(route.request().url()))
    if (!found) return route.fulfill({ status: 404 })
    return route.fulfill({ status: 200, contentType: found.type, body: found.body })
  })
  const page = await context.newPage()
  const kinds = new Set<string>()
  gatewayRequests.set(page, kinds)
  page.on('request', (request) => {
    if (new URL(request.url()).pathname === '/scripts/q.py')
      kinds.add(`${request.resourceType()} ${request.method()}`)
  })
  const origin = mode === 'xhr' ? tandem.url : hostUrl
  const gateway = mode === 'xhr' ? '/scripts/q.py' : `${tandem.url}/scripts/q.py`
  await page.goto(
    `${origin}${basePath}/page?doc=${encodeURIComponent(doc)}&gateway=${encodeURIComponent(gateway)}`,
  )
  return page
}

/** Both textareas' values, as one string for a readable failure. */
async function values(pages: readonly Page[]): Promise<string> {
  const texts = await Promise.all(pages.map((page) => page.locator('textarea').inputValue()))
  return JSON.stringify(texts)
}

// Each caret keeps at least 16 characters of text nobody edits on either side (the form
// client restores the caret by matching 16 characters before and after it, mobwrite_form.js
// `restoreCursor_`; at the very end of the text that match has no suffix, and a remote insert
// just before the caret puts it back by the insert's length whatever the server does).
const baseText =
  'Ann writes on this line: \nBen writes on this line: \nNobody edits this last line at all.'
const runs = 5

for (let run = 1; run <= runs; run++) {
  test(`original MobWrite client, XHR and JSONP users type at once (run ${run})`, async ({
    browser,
    tandem,
    host,
  }) => {
    const seed = 1300 + run
    const doc = uniqueDoc(`mobwrite${run}`)
    const xhr = await openClient(browser, tandem, host.url, doc, 'xhr')
    const jsonp = await openClient(browser, tandem, host.url, doc, 'jsonp')
    const pages = [xhr, jsonp]
    // Ann types at the end of line 1, Ben at the end of line 2; odd runs Ann is the XHR user,
    // even runs the JSONP user.
    const [ann, ben] = run % 2 === 1 ? [xhr, jsonp] : [jsonp, xhr]
    await ann.locator('textarea').click()
    await ann.keyboard.type(baseText)
    await expect.poll(() => values(pages)).toBe(JSON.stringify([baseText, baseText]))

    const typed = [
      `hello from ${ann === xhr ? 'XHR' : 'JSONP'}, run ${run}.`,
      `and hello from ${ben === xhr ? 'XHR' : 'JSONP'}, run ${run}.`,
    ] as const
    await Promise.all(
      [ann, ben].map(async (page, line) => {
        await page.locator('textarea').click()
        await page.keyboard.press('Control+Home')
        if (line === 1) await page.keyboard.press('ArrowDown')
        await page.keyboard.press('End')
        await typeLikeHuman(page, typed[line]!, seededRandom(seed * 10 + line))
      }),
    )
    const lines = baseText.split('\n')
    const expected = [lines[0] + typed[0], lines[1] + typed[1], lines[2]].join('\n')
    await expect
      .poll(() => values(pages), { timeout: 20_000, message: `seed ${seed}` })
      .toBe(JSON.stringify([expected, expected]))
    expect([...gatewayRequests.get(xhr)!]).toEqual(['xhr POST'])
    expect([...gatewayRequests.get(jsonp)!]).toEqual(['script GET'])
    for (const page of pages) await page.context().close()
  })
}
