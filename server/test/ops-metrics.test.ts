// Observability (issue 9): /healthz, /readyz (a real write probe; 503 once stopping) and the
// Prometheus /metrics page, whose values move as real CometD clients act.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import WebSocket from 'ws'
import { MetricsRegistry } from '../ops/metrics.ts'
import { connect } from './auth-cometd.ts'
import { startDefaultServer, waitFor } from './harness.ts'
import { startOpsServer } from './ops-harness.ts'

const opts = { timeout: 20_000 }

/** Scrapes /metrics into a map "name{labels}" → value. */
async function scrape(url: string): Promise<Map<string, number>> {
  const res = await fetch(`${url}/metrics`)
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/)
  const values = new Map<string, number>()
  for (const line of (await res.text()).split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const at = line.lastIndexOf(' ')
    values.set(line.slice(0, at), Number(line.slice(at + 1)))
  }
  return values
}

const value = (m: Map<string, number>, key: string) => m.get(key) ?? 0

test('healthz is live; readyz proves a write and turns 503 when stopping', opts, async (t) => {
  const s = await startOpsServer(t)
  const health = await fetch(`${s.srv.url}/healthz`)
  assert.equal(health.status, 200)
  const commits = () =>
    scrape(s.srv.url).then((m) => value(m, 'tandem_sqlite_commit_duration_seconds_count'))
  const before = await commits()
  const ready = await fetch(`${s.srv.url}/readyz`)
  assert.deepEqual([ready.status, await ready.json()], [200, { status: 'ok', store: 'writable' }])
  assert.equal(await commits(), before + 1, 'the probe is a real commit')
  assert.match(ready.headers.get('x-request-id') ?? '', /^[\w-]{8,}$/)
  s.ops.beginShutdown()
  const stopping = await fetch(`${s.srv.url}/readyz`)
  assert.equal(stopping.status, 503)
})

test('/metrics values change as clients act', opts, async (t) => {
  const s = await startOpsServer(t)
  const before = await scrape(s.srv.url)
  assert.equal(value(before, 'tandem_bayeux_sessions{transport="long-polling"}'), 0)
  assert.ok(before.has('tandem_event_loop_delay_seconds{quantile="0.99"}'))

  const alice = await connect(s.srv.bayeuxUrl, { transport: 'long-polling' })
  s.cleanup(() => alice.disconnect())
  const bob = await connect(s.srv.bayeuxUrl, { transport: 'websocket' })
  s.cleanup(() => bob.disconnect())
  await alice.request('u:alice1\nF:0:pad\nr:1:hello\n\n')
  await bob.request('u:bob1\nF:0:pad\nr:1:hello\n\n')
  await bob.request('u:bob1\nF:1:pad\nd:1:=5\t+ world\n\n')
  const raw = new WebSocket(`${s.srv.wsUrl}`)
  t.after(() => raw.terminate())
  await new Promise((resolve) => raw.once('open', resolve))

  const after = await waitFor(async () => {
    const m = await scrape(s.srv.url)
    return value(m, 'tandem_bayeux_sessions{transport="websocket"}') === 1 ? m : undefined
  })
  assert.equal(value(after, 'tandem_bayeux_sessions{transport="long-polling"}'), 1)
  assert.ok(value(after, 'tandem_websocket_connections{path="/bayeux"}') >= 2)
  assert.equal(value(after, 'tandem_sync_requests_total{outcome="ok"}'), 3)
  assert.ok(value(after, 'tandem_edits_applied_total') >= 2)
  assert.ok(value(after, 'tandem_bayeux_messages_in_total{kind="service"}') >= 3)
  assert.ok(value(after, 'tandem_bayeux_messages_out_total{kind="meta"}') >= 4)
  assert.ok(
    value(after, 'tandem_sqlite_commit_duration_seconds_count') >=
      value(before, 'tandem_sqlite_commit_duration_seconds_count') + 3,
  )
  assert.ok(value(after, 'tandem_http_request_duration_seconds_count{route="/bayeux"}') >= 2)
  assert.equal(value(after, 'tandem_merge_fallbacks_total'), 0)
})

test('the registry renders counters, gauges and histograms in text format', () => {
  const r = new MetricsRegistry()
  r.counter('a_total', 'A.').inc({ k: 'x"y' }, 2)
  r.gauge('b', 'B.').set(1.5)
  const h = r.histogram('c_seconds', 'C.', [0.1, 1])
  h.observe(0.05)
  h.observe(5)
  assert.equal(
    r.render(),
    [
      '# HELP a_total A.', '# TYPE a_total counter', 'a_total{k="x\\"y"} 2',
      '# HELP b B.', '# TYPE b gauge', 'b 1.5',
      '# HELP c_seconds C.', '# TYPE c_seconds histogram',
      'c_seconds_bucket{le="0.1"} 1', 'c_seconds_bucket{le="1"} 1', 'c_seconds_bucket{le="+Inf"} 2',
      'c_seconds_sum 5.05', 'c_seconds_count 2', '',
    ].join('\n'), // prettier-ignore
  )
  assert.throws(() => r.counter('a_total', 'again'), /already registered/)
  assert.throws(() => r.counter('a_total2', 'x').inc(undefined, -1), RangeError)
})

test(
  'a scrape only reads: a stall stays visible to the next scraper (issue 14)',
  opts,
  async (t) => {
    const srv = await startDefaultServer()
    t.after(() => srv.close())
    const worst = (m: Map<string, number>) =>
      value(m, 'tandem_event_loop_delay_seconds{quantile="1"}')
    // Block the event loop for 300 ms until a scrape shows it (the monitor of a server just
    // started takes its first sample a loop turn or two later).
    const first = await waitFor(async () => {
      const until = Date.now() + 300
      while (Date.now() < until);
      const m = await scrape(srv.url)
      return worst(m) >= 0.2 ? m : undefined
    })
    const second = await scrape(srv.url)
    assert.ok(worst(second) >= 0.2, `the second scrape still shows the stall (${worst(second)} s)`)
    // Counters never go down between scrapes.
    for (const [key, v] of first) {
      if (key.includes('_total') || key.endsWith('_count')) assert.ok(value(second, key) >= v, key)
    }
  },
)
