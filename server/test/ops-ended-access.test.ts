// Issue 14 finding 11: an ended document (`tandem admin end`) is news only to those who may read
// it. Default configuration; the requester is anonymous on the original client's XHR path.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { postForm, xhrBody } from './gateway-clients.ts'
import { startDefaultServer } from './harness.ts'

const opts = { timeout: 20_000 }

test('a name one may not read answers ERR_ACCESS_DENIED, ended or not', opts, async (t) => {
  const srv = await startDefaultServer()
  t.after(() => srv.close())
  const ask = async (request: string) =>
    (await postForm(`${srv.url}/scripts/q.py`, xhrBody(request))).text
  for (const pattern of ['secret/*', 'open/*']) {
    const access = pattern === 'open/*' ? 'write' : 'none'
    srv.store.putRule({ pattern, principal: '*', access, createdMs: 0 })
  }
  assert.match(await ask('u:writer1\nF:0:open/a\nr:1:x\n\n'), /^F:1:open\/a$/m)
  await srv.tandem.ops.controls.endDocument('secret/plan')
  await srv.tandem.ops.controls.endDocument('open/a')
  const never = await ask('u:spy12345\nF:0:secret/other\nr:1:x\n\n')
  assert.match(never, /^E:secret\/other:ERR_ACCESS_DENIED: /m)
  const ended = await ask('u:spy12345\nF:0:secret/plan\nr:1:x\n\n')
  assert.equal(ended, never.replaceAll('secret/other', 'secret/plan'))
  // Those who may read it are still told it was ended.
  assert.match(await ask('u:writer1\nF:1:open/a\nd:1:=1\n\n'), /^E:open\/a:ERR_DOC_ENDED: /m)
})
