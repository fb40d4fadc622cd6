// Tandem's metrics (issue 9): creates the families and hooks them onto a running app through
// public seams: the HTTP server's request event, a Bayeux extension, the sync service's change
// events, and wrappers around `sync.handle` and `store.commit` (the single entry points of a
// sync request and of a commit, so every transport and every commit is counted once).

import { randomUUID } from 'node:crypto'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import { monitorEventLoopDelay, performance } from 'node:perf_hooks'
import type { BayeuxServer } from '../bayeux/types.ts'
import { log } from '../log.ts'
import type { Store } from '../store/store.ts'
import type { SyncService } from '../sync/service.ts'
import { type Gauge, MetricsRegistry } from './metrics.ts'

/** The metric families of one app, plus the hooks that feed them. */
export interface TandemMetrics {
  readonly registry: MetricsRegistry
  /** Counts a WebSocket connection opened (`delta` 1) or closed (-1) on `path`. */
  socketChanged(path: string, delta: 1 | -1): void
  /** Starts feeding the families from the app's parts; returns the stopper. */
  attach(parts: {
    server: Server
    bayeux: BayeuxServer
    sync: SyncService | undefined
    store: Store | undefined
  }): () => void
}

const knownRoutes = ['/bayeux', '/mobwrite', '/scripts/q.py', '/admin', '/metrics']
// One frozen label object per value: the registry keeps their keys (metrics.ts).
const routeLabels = new Map(
  [...knownRoutes, '/health', 'other'].map((route) => [route, Object.freeze({ route })]),
)
const kindLabels = {
  meta: Object.freeze({ kind: 'meta' }),
  service: Object.freeze({ kind: 'service' }),
  broadcast: Object.freeze({ kind: 'broadcast' }),
}

function routeOf(url: string | undefined): string {
  const path = (url ?? '/').split('?')[0] ?? '/'
  for (const route of knownRoutes) {
    if (path.startsWith(route) && (path.length === route.length || path[route.length] === '/'))
      return route
  }
  return path === '/healthz' || path === '/readyz' ? '/health' : 'other'
}

const requestIdPattern = /^[\w.:-]{1,64}$/
// Request ids are this process's random prefix plus a counter: unique, and cheaper than a UUID
// per long poll.
const requestIdPrefix = randomUUID().slice(0, 8)
let requestCount = 0

// A request id for log lines: the proxy's X-Request-Id when sane, else a new one; echoed back.
function tagRequest(req: IncomingMessage, res: ServerResponse): string {
  const given = req.headers['x-request-id']
  const id =
    typeof given === 'string' && requestIdPattern.test(given)
      ? given
      : `${requestIdPrefix}-${(++requestCount).toString(36)}`
  res.setHeader('X-Request-Id', id)
  return id
}

function channelKind(channel: string): keyof typeof kindLabels {
  if (channel.startsWith('/meta/')) return 'meta'
  return channel.startsWith('/service/') ? 'service' : 'broadcast'
}

/**
 * Creates the registry with every Tandem family (values start at zero). (Longer than 30 lines:
 * one declaration per family.)
 */
export function createTandemMetrics(): TandemMetrics {
  const registry = new MetricsRegistry()
  const m = {
    requests: registry.histogram(
      'tandem_http_request_duration_seconds',
      'HTTP request latency by route (long polls included: they last up to the timeout).',
    ),
    sessions: registry.gauge('tandem_bayeux_sessions', 'Live Bayeux sessions by transport.'),
    sockets: registry.gauge('tandem_websocket_connections', 'Open WebSocket connections by path.'),
    messagesIn: registry.counter('tandem_bayeux_messages_in_total', 'Bayeux messages received.'),
    messagesOut: registry.counter('tandem_bayeux_messages_out_total', 'Bayeux messages sent.'),
    syncRequests: registry.counter(
      'tandem_sync_requests_total',
      'MobWrite requests handled (all transports) by outcome.',
    ),
    syncSeconds: registry.histogram(
      'tandem_sync_request_duration_seconds',
      'Time to handle one MobWrite request, commit included.',
    ),
    fallbacks: registry.counter(
      'tandem_merge_fallbacks_total',
      'Requests with a delta answered by a full-text resync (R:) because the delta could not be used.',
    ),
    edits: registry.counter('tandem_edits_applied_total', 'Committed changes to document texts.'),
    commitSeconds: registry.histogram(
      'tandem_sqlite_commit_duration_seconds',
      'Time until one store commit is durable (a sync request waits for its group commit).',
    ),
    loopDelay: registry.gauge(
      'tandem_event_loop_delay_seconds',
      'Event-loop delay over the last one to two minutes (perf_hooks monitorEventLoopDelay; scrapes only read).',
    ),
  }
  const openSockets = new Map<string, number>()
  registry.onCollect(() => {
    for (const [path, n] of openSockets) m.sockets.set(n, { path })
  })

  return {
    registry,
    socketChanged(path, delta) {
      openSockets.set(path, (openSockets.get(path) ?? 0) + delta)
    },
    attach({ server, bayeux, sync, store }) {
      const stops: Array<() => void> = []
      const onRequest = (req: IncomingMessage, res: ServerResponse) => {
        const started = performance.now()
        const route = routeOf(req.url)
        const requestId = tagRequest(req, res)
        res.once('close', () => {
          const seconds = (performance.now() - started) / 1000
          m.requests.observe(seconds, routeLabels.get(route))
          // The path only: a query string may carry a token (never log secrets).
          const path = (req.url ?? '/').split('?')[0]
          const fields = { requestId, method: req.method, path, status: res.statusCode, seconds }
          if (res.statusCode >= 500) log.warn('request failed', fields)
          else log.debug('request', fields)
        })
      }
      server.prependListener('request', onRequest)
      stops.push(() => server.off('request', onRequest))
      stops.push(bayeux.addExtension(countMessages(m.messagesIn, m.messagesOut)))
      registry.onCollect(() => countSessions(bayeux, m.sessions))
      stops.push(watchEventLoop(registry, m.loopDelay))
      if (sync) {
        stops.push(sync.on('change', (c) => (c.isDeleted ? undefined : m.edits.inc())))
        wrapHandle(sync, m)
      }
      if (store) wrapCommit(store, (s) => m.commitSeconds.observe(s))
      return () => stops.forEach((stop) => stop())
    },
  }
}

function countMessages(
  into: ReturnType<MetricsRegistry['counter']>,
  out: ReturnType<MetricsRegistry['counter']>,
) {
  return {
    incoming(message: { channel: string }) {
      into.inc(kindLabels[channelKind(message.channel)])
      return undefined
    },
    outgoing(message: { channel: string }) {
      out.inc(kindLabels[channelKind(message.channel)])
      return undefined
    },
  }
}

function countSessions(bayeux: BayeuxServer, gauge: Gauge): void {
  const counts = new Map<string, number>([
    ['websocket', 0],
    ['long-polling', 0],
    ['callback-polling', 0],
    ['none', 0],
  ])
  for (const s of bayeux.sessions()) {
    const key = s.transport ?? 'none'
    counts.set(key, (counts.get(key) ?? 0) + 1)
  }
  for (const [transport, n] of counts) gauge.set(n, { transport })
}

// A scrape only reads (issue 14): resetting on scrape hid a stall from every other scraper, and
// a series must not depend on who scraped it. The window rolls on its own timer instead; the
// gauge reports the larger of the current and the previous window, so a stall stays visible for
// one to two windows, whoever scrapes and however often.
const loopWindowMs = 60_000

function watchEventLoop(registry: MetricsRegistry, gauge: Gauge): () => void {
  const resolutionMs = 10
  const histogram = monitorEventLoopDelay({ resolution: resolutionMs })
  histogram.enable()
  // Samples are whole timer periods in nanoseconds: the delay is what exceeds the resolution.
  const delay = (ns: number) => Math.max(0, ns / 1e9 - resolutionMs / 1000)
  const read = () =>
    histogram.count === 0
      ? [0, 0, 0]
      : [histogram.percentile(50), histogram.percentile(99), histogram.max].map(delay)
  let previous = [0, 0, 0]
  const roll = setInterval(() => {
    previous = read()
    histogram.reset()
  }, loopWindowMs)
  roll.unref()
  registry.onCollect(() => {
    const current = read()
    ;['0.5', '0.99', '1'].forEach((quantile, i) =>
      gauge.set(Math.max(previous[i] ?? 0, current[i] ?? 0), { quantile }),
    )
  })
  return () => {
    clearInterval(roll)
    histogram.disable()
  }
}

// The wrappers replace the method on the object itself: every caller (the Bayeux binding, the
// gateways, the document runner) calls through the object, so each one is counted.
function wrapHandle(
  sync: SyncService,
  m: {
    syncRequests: ReturnType<MetricsRegistry['counter']>
    syncSeconds: ReturnType<MetricsRegistry['histogram']>
    fallbacks: ReturnType<MetricsRegistry['counter']>
  },
): void {
  const handle = sync.handle.bind(sync)
  sync.handle = async (text, identity, origin) => {
    const started = performance.now()
    try {
      const answer = await handle(text, identity, origin)
      m.syncRequests.inc({ outcome: 'ok' })
      if (/^[dD]:/m.test(text) && /^R:/m.test(answer)) m.fallbacks.inc()
      return answer
    } catch (err) {
      m.syncRequests.inc({ outcome: 'failed' })
      throw err
    } finally {
      m.syncSeconds.observe((performance.now() - started) / 1000)
    }
  }
}

function wrapCommit(store: Store, observe: (seconds: number) => void): void {
  const commit = store.commit.bind(store)
  store.commit = (change) => {
    const started = performance.now()
    try {
      commit(change)
    } finally {
      observe((performance.now() - started) / 1000)
    }
  }
  // A sync request's group commit: until its group's transaction is written.
  const commitGrouped = store.commitGrouped.bind(store)
  store.commitGrouped = (change) => {
    const started = performance.now()
    const seen = () => observe((performance.now() - started) / 1000)
    const durable = commitGrouped(change)
    durable.then(seen, seen)
    return durable
  }
}
