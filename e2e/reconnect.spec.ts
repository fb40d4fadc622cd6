// The server dies mid-edit (SIGKILL) and comes back on the same port with the same database:
// the open editors reconnect by themselves, keep what was typed meanwhile and converge.

import {
  test,
  expect,
  openEditor,
  startTandem,
  uniqueDoc,
  expectConverged,
  caretToLineEnd,
} from './fixtures.ts'

test('editors reconnect after a server restart and converge without a reload', async ({
  browser,
}) => {
  test.setTimeout(120_000)
  const tandem = await startTandem()
  try {
    const doc = uniqueDoc('restart')
    const a = await openEditor(browser, tandem, doc, 'Ann')
    const b = await openEditor(browser, tandem, doc, 'Ben')
    await caretToLineEnd(a, 1)
    await a.keyboard.type('before the crash\n')
    await expectConverged([a, b], 'before the crash\n')
    await expect(a.getByTestId('saved')).toHaveAttribute('data-state', 'saved')

    const restarted = tandem.restart()
    await caretToLineEnd(b, 2)
    await b.keyboard.type('typed while it was down')
    await restarted
    await expect(a.getByTestId('connection')).toHaveAttribute('data-state', 'connected', {
      timeout: 45_000,
    })
    await expect(b.getByTestId('connection')).toHaveAttribute('data-state', 'connected', {
      timeout: 45_000,
    })
    await caretToLineEnd(a, 1)
    await a.keyboard.type(' and after')
    await expectConverged([a, b], 'before the crash and after\ntyped while it was down')
    await expect(b.getByTestId('saved')).toHaveAttribute('data-state', 'saved')
    await a.context().close()
    await b.context().close()
  } finally {
    await tandem.stop()
  }
})
