// The widget shares a host app's own CodeMirror 6 view: the host bundles CodeMirror itself, loads
// /embed.js and passes its EditorView to Tandem.share.

import { build } from 'esbuild'
import { fileURLToPath } from 'node:url'
import { test, expect, openEditor, uniqueDoc, expectConverged, caretToLineEnd } from './fixtures.ts'

const rootDir = fileURLToPath(new URL('..', import.meta.url))

// The host's own bundle: CodeMirror with basicSetup, the view on window.hostView.
async function hostBundle(): Promise<string> {
  const result = await build({
    stdin: {
      contents: `import { EditorView, basicSetup } from 'codemirror'
        window.hostView = new EditorView({ doc: '', extensions: basicSetup, parent: document.getElementById('host') })`,
      resolveDir: rootDir,
    },
    bundle: true,
    write: false,
    format: 'iife',
  })
  return result.outputFiles[0]!.text
}

test('the widget shares a host CodeMirror view with the editor app', async ({
  browser,
  tandem,
}) => {
  const doc = uniqueDoc('host-cm')
  const script = await hostBundle()
  const context = await browser.newContext()
  const host = await context.newPage()
  await host.route(`${tandem.url}/host-app`, (route) =>
    route.fulfill({
      contentType: 'text/html',
      body: `<!doctype html><meta charset="utf-8"><div id="host"></div>
        <script src="/embed.js"></script><script src="/host-app.js"></script>`,
    }),
  )
  await host.route(`${tandem.url}/host-app.js`, (route) =>
    route.fulfill({ contentType: 'text/javascript', body: script }),
  )
  await host.goto(`${tandem.url}/host-app`)
  await host.evaluate((name) => {
    const target = (window as unknown as { hostView: Parameters<typeof Tandem.share>[0] }).hostView
    Tandem.share(target, { doc: name, name: 'Host app' })
  }, doc)
  const editor = await openEditor(browser, tandem, doc, 'Editor user')

  await host.locator('.cm-content').click()
  await host.keyboard.type('from the host view')
  await expectConverged([editor], 'from the host view')
  await caretToLineEnd(editor, 1)
  await editor.keyboard.type(', and back')
  await expect(host.locator('.cm-content')).toHaveText('from the host view, and back')
  await editor.context().close()
  await context.close()
})
