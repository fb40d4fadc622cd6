// Regressions for what the fuzzer (fuzz-server.test.ts, issue 14) found, each as small as the
// finding allows, against the real server process.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { startMainProcess } from './main-process.ts'
import { healthRoundTrip } from './fuzz-probe.ts'

test('a long-polling body cut off by its client logs no error line', async (t) => {
  let stderr = ''
  const server = await startMainProcess(t, {}, { onStderr: (s) => (stderr += s) })
  for (let i = 0; i < 3; i++) {
    await new Promise<void>((resolve) => {
      const socket = connect(server.port, '127.0.0.1')
      socket.on('close', () => resolve())
      socket.write(
        'POST /bayeux HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
          'Content-Length: 100\r\n\r\n[{"channel":',
        () => setImmediate(() => socket.destroy()),
      )
    })
  }
  await healthRoundTrip(server.url)
  assert.doesNotMatch(stderr, /bayeux http transport failed/)
})
