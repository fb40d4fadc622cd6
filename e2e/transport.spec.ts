// A browser without WebSocket (or behind a proxy that refuses it) syncs over long-polling: the
// official CometD client falls back and the editors still converge.

import { test, expect, uniqueDoc, expectConverged, caretToLineEnd, openEditor } from './fixtures.ts'

test('an editor without WebSocket syncs over long-polling', async ({ browser, tandem }) => {
  const doc = uniqueDoc('longpoll')
  const context = await browser.newContext()
  await context.addInitScript(() => {
    localStorage.setItem('tandem.name', 'Polly')
    // CometD registers its websocket transport only when the page has a WebSocket constructor.
    Reflect.deleteProperty(window, 'WebSocket')
  })
  const polling = await context.newPage()
  const bayeuxPosts: string[] = []
  polling.on('request', (request) => {
    if (request.method() === 'POST' && request.url().includes('/bayeux'))
      bayeuxPosts.push(request.url())
  })
  await polling.goto(`${tandem.url}/d/${doc}`)
  await expect(polling.getByTestId('connection')).toHaveAttribute('data-state', 'connected')
  await expect(polling.locator('body')).toHaveAttribute('data-loaded', 'true')
  const socket = await openEditor(browser, tandem, doc, 'Sockette')

  await caretToLineEnd(polling, 1)
  await polling.keyboard.type('polled ')
  await caretToLineEnd(socket, 1)
  await socket.keyboard.type('and pushed')
  await expectConverged([polling, socket], 'polled and pushed')
  expect(bayeuxPosts.some((url) => url.endsWith('/connect'))).toBe(true)
  await socket.context().close()
  await context.close()
})
