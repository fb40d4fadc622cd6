// Access rules on the Bayeux paths (websocket and long-polling, official CometD client): a
// read-only user's edits never change the text, a denied user learns nothing, a forged h: line is
// ignored, a revoked token stops a live session, and rates are limited.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { issueToken, revokeTokens } from '../auth/tokens.ts'
import { connect, type AuthClient, type Transport } from './auth-cometd.ts'
import { startAuthServer, type AuthServer } from './auth-server.ts'
import { waitFor } from './harness.ts'
import { collaboratorId } from '../sync/engine-collaborators.ts'

const transports: Transport[] = ['websocket', 'long-polling']
const opts = { timeout: 20_000 }

/** A server where alice writes, bob reads and carol has no access to `team/*`. */
async function team(t: Parameters<typeof startAuthServer>[0], transport: Transport) {
  const server = await startAuthServer(t, { auth: { defaultAccess: 'none', allowAnonymous: true } })
  const clients = new Map<string, AuthClient>()
  for (const [name, access] of [
    ['alice', 'write'],
    ['bob', 'read'],
    ['carol', 'none'],
  ] as const) {
    server.store.putRule({ pattern: 'team/*', principal: name, access, createdMs: 0 })
    const client = await connect(server.srv.bayeuxUrl, {
      transport,
      token: issueToken(server.store, name).token,
    })
    t.after(() => client.disconnect())
    clients.set(name, client)
  }
  const get = (name: string) => clients.get(name) as AuthClient
  assert.equal(
    await get('alice').request('u:alice1\nF:0:team/plan\nr:1:secret plan\n\n'),
    'F:1:team/plan\nd:0:=11\n',
  )
  return { ...server, alice: get('alice'), bob: get('bob'), carol: get('carol') }
}

const text = (s: AuthServer, file = 'team/plan') => s.sync.readDocument(file)?.text

for (const transport of transports) {
  test(
    `${transport}: a read-only user gets O:, its edits never change the text, it still receives changes`,
    opts,
    async (t) => {
      const s = await team(t, transport)
      const first = await s.bob.request('u:bob1\nF:0:team/plan\nr:1:\n\n')
      assert.match(first, /^O:team\/plan$/m)
      assert.match(first, /^d:0:\+secret plan$/m, 'bob gets the text')
      // Every way of writing, each from a fresh view: a merge delta, an overwrite delta, a
      // forced raw dump; then a nullify.
      const edits = [
        'r:1:secret plan\nd:1:=11\t+ EDITED',
        'r:1:secret plan\nD:1:-11\t+gone',
        'R:1:mine',
      ]
      for (const [i, edit] of edits.entries()) {
        const answer = await s.bob.request(`u:bob-${i}\nF:0:team/plan\n${edit}\n\n`)
        assert.match(answer, /^O:team\/plan$/m, answer)
        assert.match(answer, /^E:team\/plan:ERR_READ_ONLY: /m, answer)
        assert.equal(text(s), 'secret plan')
      }
      assert.match(await s.bob.request('u:bob1\nN:team/plan\n\n'), /^E:team\/plan:ERR_READ_ONLY: /m)
      assert.equal(text(s), 'secret plan')
      // alice's edit reaches bob, and bob's shadow follows the master, not his refused edits.
      await s.alice.request('u:alice1\nF:0:team/plan\nd:1:=11\t+!\n\n')
      assert.equal(text(s), 'secret plan!')
      const pulled = await s.bob.request('u:bob2\nF:0:team/plan\nr:1:\n\n')
      assert.match(pulled, /^d:0:\+secret plan!$/m)
    },
  )

  test(
    `${transport}: a denied user gets the same E: for a forbidden and a missing document`,
    opts,
    async (t) => {
      const s = await team(t, transport)
      const forbidden = await s.carol.request('u:carol1\nF:0:team/plan\nr:1:\n\n')
      const missing = await s.carol.request('u:carol1\nF:0:team/nothing\nr:1:\n\n')
      assert.equal(forbidden, 'E:team/plan:ERR_ACCESS_DENIED: You may not open this document\n')
      assert.equal(missing.replace('team/nothing', 'team/plan'), forbidden)
      const overwrite = await s.carol.request('u:carol1\nF:0:team/plan\nR:1:mine now\n\n')
      assert.equal(overwrite, forbidden)
      assert.equal(await s.carol.request('u:carol1\nN:team/plan\n\n'), forbidden)
      assert.equal(text(s), 'secret plan')
      assert.equal(text(s, 'team/nothing'), undefined, 'the refused request created nothing')
      // carol is not listed to others either: her refused views were never stored.
      assert.doesNotMatch(await s.alice.request('u:alice1\nF:1:team/plan\nd:1:=11\n\n'), /carol/)
    },
  )

  test(
    `${transport}: a forged h: line is ignored; the server's handle is used`,
    opts,
    async (t) => {
      const s = await team(t, transport)
      const guest = await connect(s.srv.bayeuxUrl, { transport, name: 'guest' })
      t.after(() => guest.disconnect())
      s.store.putRule({ pattern: 'open/*', principal: '*', access: 'write', createdMs: 0 })
      const forged = await guest.request(
        'h:alice:127.0.0.1\nH:alice:127.0.0.1\nu:g1\nF:0:team/plan\nR:1:pwned\n\n',
      )
      assert.match(
        forged,
        /^E:team\/plan:ERR_ACCESS_DENIED: /m,
        "access is the guest's, not alice's",
      )
      assert.equal(text(s), 'secret plan')
      await guest.request('h:alice:127.0.0.1\nu:g1\nF:0:open/pad\nr:1:hi\n\n')
      const seen = await s.alice.request('u:alice2\nF:0:open/pad\nr:1:hi\n\n')
      const line = `C:~guest:127.0.0.1:{"id":"${collaboratorId('g1', 'open/pad')}"}`
      assert.equal(seen.split('\n').includes(line), true, seen)
      assert.doesNotMatch(seen, /^C:alice/m)
    },
  )

  test(`${transport}: a revoked token stops a live session; rates are limited`, opts, async (t) => {
    const s = await startAuthServer(t, { auth: { rateBurst: 3, ratePerSecond: 0.001 } })
    const dave = await connect(s.srv.bayeuxUrl, {
      transport,
      token: issueToken(s.store, 'dave').token,
    })
    const erin = await connect(s.srv.bayeuxUrl, {
      transport,
      token: issueToken(s.store, 'erin').token,
    })
    t.after(() => Promise.all([dave.disconnect(), erin.disconnect()]))
    assert.equal(await dave.request('u:d1\nF:0:pad\nr:1:x\n\n'), 'F:1:pad\nd:0:=1\n')
    revokeTokens(s.store, 'dave')
    await assert.rejects(dave.request('u:d1\nF:1:pad\nd:1:=1\n\n'), /ERR_TOKEN_INVALID.*revoked/)
    for (let i = 0; i < 3; i++) await erin.request('u:e1\nF:0:pad\nr:1:x\n\n')
    await assert.rejects(erin.request('u:e1\nF:0:pad\nr:1:x\n\n'), /ERR_RATE_LIMITED/)
    assert.equal(await waitFor(() => text(s, 'pad')), 'x')
  })
}

test(
  'document names with path tricks or bad characters get E: with ERR_DOC_NAME_INVALID',
  opts,
  async (t) => {
    const s = await startAuthServer(t)
    const guest = await connect(s.srv.bayeuxUrl, { transport: 'websocket', name: 'guest' })
    t.after(() => guest.disconnect())
    const cases: [string, string][] = [
      ['../etc/passwd', 'Document name may not contain . or .. segments'],
      ['/abs', 'Document name may not start or end with /'],
      ['a*b', 'Document name may only contain letters, digits and . _ ~ : @ + - /'],
      ['x'.repeat(201), 'Document name is 201 characters long (at most 200)'],
    ]
    for (const [file, message] of cases) {
      const answer = await guest.request(`u:g1\nF:0:${file}\nr:1:hi\n\n`)
      assert.equal(answer, `E:${file}:ERR_DOC_NAME_INVALID: ${message}\n`)
      assert.equal(await guest.request(`u:g1\nN:${file}\n\n`), answer)
      assert.equal(s.sync.readDocument(file), undefined)
    }
  },
)
