// The widget on another origin: a host page served by a second tiny HTTP server loads
// `<tandem>/embed.js` and shares a textarea. Tandem runs with NODE_ENV=production (no localhost
// wildcard) and TANDEM_ALLOWED_ORIGINS naming http://localhost:<host port> only, so the same page
// at http://127.0.0.1:<host port> is a refused origin.

import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { test as base, expect, openEditor, startTandem, editorText, uniqueDoc } from './fixtures.ts'
import type { TandemServer } from './fixtures.ts'

const hostPage = (tandemUrl: string) => `<!doctype html><meta charset="utf-8">
<textarea id="notes" aria-label="Notes"></textarea><p id="error" data-testid="error"></p>
<script>
  // ?transport=long-polling: no WebSocket in this page, so CometD polls (CORS preflight + cookies).
  if (new URLSearchParams(location.search).get('transport') === 'long-polling') window.WebSocket = undefined
</script>
<script src="${tandemUrl}/embed.js"></script>
<script>
  const doc = new URLSearchParams(location.search).get('doc')
  Tandem.share('#notes', { doc, name: 'Host', onError: (m) => (error.textContent = m) })
</script>`

const test = base.extend<object, { cross: { tandem: TandemServer; hostPort: number } }>({
  cross: [
    async ({}, use) => {
      let tandemUrl = ''
      const host: Server = createServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/html' }).end(hostPage(tandemUrl))
      })
      await new Promise<void>((done) => host.listen(0, '127.0.0.1', done))
      const hostPort = (host.address() as AddressInfo).port
      const tandem = await startTandem({
        NODE_ENV: 'production',
        TANDEM_ALLOWED_ORIGINS: `http://localhost:${hostPort}`,
      })
      tandemUrl = tandem.url
      await use({ tandem, hostPort })
      await tandem.stop()
      await new Promise((done) => host.close(done))
    },
    { scope: 'worker', timeout: 60_000 },
  ],
})

for (const transport of ['websocket', 'long-polling'] as const) {
  test(`${transport}: an allowed origin embeds the widget`, async ({ browser, cross }) => {
    const doc = uniqueDoc(`cross-${transport}`)
    const context = await browser.newContext()
    const host = await context.newPage()
    const sockets: string[] = []
    host.on('websocket', (ws) => sockets.push(ws.url()))
    await host.goto(`http://localhost:${cross.hostPort}/?doc=${doc}&transport=${transport}`)
    const editor = await openEditor(browser, cross.tandem, doc, 'Ada')
    await host.getByLabel('Notes').fill('from another origin')
    await expect.poll(() => editorText(editor)).toBe('from another origin')
    await editor.locator('.cm-content').click()
    await editor.keyboard.press('Control+End')
    await editor.keyboard.type('!')
    await expect(host.getByLabel('Notes')).toHaveValue('from another origin!')
    await expect(host.getByTestId('error')).toHaveText('')
    const bayeuxSockets = sockets.filter((url) => url.endsWith('/bayeux'))
    expect(bayeuxSockets.length > 0).toBe(transport === 'websocket')
    await context.close()
    await editor.context().close()
  })
}

test('an origin not in the list is refused with the reason', async ({ browser, cross }) => {
  const context = await browser.newContext()
  const refused = await context.newPage()
  await refused.goto(`http://127.0.0.1:${cross.hostPort}/?doc=${uniqueDoc('refused')}`)
  await expect(refused.getByTestId('error')).toContainText(
    `Origin http://127.0.0.1:${cross.hostPort} is not allowed here`,
  )
  await refused.getByLabel('Notes').fill('stays here')
  expect(JSON.stringify(await cross.tandem.admin('/documents'))).not.toContain('refused')
  await context.close()
})
