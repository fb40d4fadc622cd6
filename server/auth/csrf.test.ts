import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createOriginGuard, isOriginAllowed } from './csrf.ts'

const none = { allowedOrigins: [] }

test('requests without cookies or without Origin pass; foreign Origins with cookies do not', () => {
  const host = 'tandem.example:8080'
  assert.equal(
    isOriginAllowed({ host, origin: 'https://evil.example' }, false, none),
    true,
    'no cookie',
  )
  assert.equal(
    isOriginAllowed({ host, cookie: 'BAYEUX_BROWSER=x' }, false, none),
    true,
    'no Origin',
  )
  assert.equal(
    isOriginAllowed({ host, cookie: 'a=b', origin: 'http://tandem.example:8080' }, false, none),
    true,
  )
  assert.equal(
    isOriginAllowed({ host, cookie: 'a=b', origin: 'http://TANDEM.example:8080' }, false, none),
    true,
  )
  assert.equal(
    isOriginAllowed({ host, cookie: 'a=b', origin: 'https://tandem.example:8080' }, false, none),
    false,
    'scheme counts',
  )
  assert.equal(
    isOriginAllowed({ host, cookie: 'a=b', origin: 'https://tandem.example:8080' }, true, none),
    true,
  )
  assert.equal(
    isOriginAllowed({ host, cookie: 'a=b', origin: 'https://evil.example' }, false, none),
    false,
  )
  assert.equal(isOriginAllowed({ host, cookie: 'a=b', origin: 'null' }, false, none), false)
  const allowed = { allowedOrigins: ['https://app.example'] }
  assert.equal(
    isOriginAllowed({ host, cookie: 'a=b', origin: 'https://app.example' }, false, allowed),
    true,
  )
  assert.equal(
    isOriginAllowed({ host, cookie: 'a=b', origin: 'https://evil.example' }, false, {
      allowedOrigins: ['*'],
    }),
    true,
  )
})

test('the middleware answers 403 with the error code and lets GETs and good POSTs through', () => {
  const guard = createOriginGuard(none)
  let status = 0
  let body: unknown
  const res = {
    status(code: number) {
      status = code
      return res
    },
    json(value: unknown) {
      body = value
      return res
    },
  }
  let passed = 0
  const headers = { host: 'h:1', cookie: 'a=b', origin: 'https://evil.example' }
  guard({ method: 'GET', headers }, res, () => passed++)
  guard({ method: 'POST', headers: { ...headers, origin: 'http://h:1' } }, res, () => passed++)
  assert.equal(passed, 2)
  guard({ method: 'POST', headers }, res, () => passed++)
  assert.equal(passed, 2)
  assert.equal(status, 403)
  assert.deepEqual(body, {
    code: 'ERR_ORIGIN_FORBIDDEN',
    message:
      'Origin https://evil.example may not send cookie-carrying requests here (auth.allowedOrigins)',
  })
})
