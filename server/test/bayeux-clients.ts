// Real Bayeux clients for interop tests: the official CometD client (through
// cometd-nodejs-client) and Faye's Node client, plus promise wrappers. No home-made client.
//
// cometd-nodejs-client keeps one cookie jar per process; a browser has one per profile. Each
// CometD client here gets its own jar, so two clients are two browsers. The jar is named by a
// request header for XMLHttpRequest, by a path segment (/bayeux/jar-<n>/connect) for JSONP, and
// by a `jar` query parameter for WebSocket, whose URL has no message-type suffix anyway (a query
// would stop CometD from appending /handshake, /connect: §8.1). The WebSocket global sends and
// stores the jar's cookies, as a browser does on the upgrade. Callback-polling needs a DOM
// <script>; a tiny shim fetches the script URL.

import type { CometD as CometDType, Message } from 'cometd'
import { AckExtension, CometD, TimeSyncExtension } from 'cometd'
import { adapt } from 'cometd-nodejs-client'
import Faye from 'faye'
import { WebSocket } from 'ws'

/** The transports the CometD client can be pinned to. */
export type CometDTransport = 'websocket' | 'long-polling' | 'callback-polling'

const jarHeader = 'x-test-cookie-jar'
const jars = new Map<string, Map<string, string>>()
let nextJar = 0
let isInstalled = false

/** The XMLHttpRequest adapter passes its request options: a URL plus the headers set. */
type RequestTarget = URL & { headers?: Record<string, string> }

function jarOf(target: RequestTarget): Map<string, string> {
  const name =
    target.headers?.[jarHeader] ??
    target.searchParams.get('jar') ??
    /\/jar-(\d+)(\/|$)/.exec(target.pathname)?.[1] ??
    'shared'
  let jar = jars.get(name)
  if (!jar) jars.set(name, (jar = new Map()))
  return jar
}

function storeCookie(jar: Map<string, string>, header: string): void {
  const pair = header.split(';')[0] ?? ''
  const eq = pair.indexOf('=')
  if (eq > 0) jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim())
}

function cookieHeader(jar: Map<string, string>): string[] {
  return [...jar].map(([name, value]) => `${name}=${value}`)
}

/** A WebSocket that behaves like a browser's about cookies (sends and stores the jar's). */
class CookieWebSocket extends WebSocket {
  constructor(url: string, protocols?: string | string[]) {
    const jar = jarOf(new URL(url))
    super(url, protocols, { headers: { cookie: cookieHeader(jar).join('; ') } })
    this.on('upgrade', (response) => {
      for (const header of [response.headers['set-cookie'] ?? []].flat()) storeCookie(jar, header)
    })
  }
}

type Window = Record<string, unknown> & { document?: unknown }

/** Installs the XMLHttpRequest/WebSocket globals (once) with per-client cookie jars. */
export function installCometD(): void {
  if (isInstalled) return
  isInstalled = true
  adapt({
    cookies: {
      storeCookie(
        uri: URL,
        header: string,
        callback: (failure: Error | null, cookie: unknown) => void,
      ) {
        storeCookie(jarOf(uri), header)
        callback(null, header)
      },
      retrieveCookies(
        _context: unknown,
        uri: URL,
        callback: (failure: Error | null, cookies: string[]) => void,
      ) {
        callback(null, cookieHeader(jarOf(uri)))
      },
    },
  })
  const win = (globalThis as unknown as { window: Window }).window
  win.WebSocket = CookieWebSocket
  installScriptShim(win)
}

// The JSONP transport appends a <script> to <head>; fetch its URL and call the callback with the
// array, as a browser evaluating `callback([...])` would.
function installScriptShim(win: Window): void {
  const head = {
    appendChild(script: { src: string; onerror?: (e: { type: string }) => void }) {
      void loadScript(win, script)
    },
    removeChild() {},
  }
  win.document = {
    getElementsByTagName: () => [head],
    createElement: () => ({}),
  }
}

// Two CometD instances in one process reuse callback names (`_cometd_jsonp_0`...), so the
// callback is captured when the script is appended, before another client can replace it.
async function loadScript(
  win: Window,
  script: { src: string; onerror?: (e: { type: string }) => void },
): Promise<void> {
  const url = new URL(script.src)
  const callback = win[url.searchParams.get('jsonp') ?? '']
  const jar = jarOf(url)
  try {
    const response = await fetch(url, { headers: { cookie: cookieHeader(jar).join('; ') } })
    for (const header of response.headers.getSetCookie()) storeCookie(jar, header)
    const text = await response.text()
    const match = /^([\w.-]+)\(([\s\S]*)\)$/.exec(text)
    if (response.status !== 200 || !match || typeof callback !== 'function') throw new Error(text)
    callback(JSON.parse(match[2] ?? 'null'))
  } catch {
    script.onerror?.({ type: 'error' })
  }
}

/** Options for {@link createCometD}. */
export interface CometDOptions {
  ack?: boolean
  timesync?: boolean
  /** Overrides of the client configuration. */
  configure?: Record<string, unknown>
  /** Share the cookie jar of an earlier client (two tabs of one browser). */
  sameBrowserAs?: CometDType
}

const jarOfClient = new WeakMap<CometDType, string>()

/** The value of cookie `name` in the jar (the browser) of `cometd`, if any. */
export function cookieOf(cometd: CometDType, name: string): string | undefined {
  return jars.get(jarOfClient.get(cometd) ?? '')?.get(name)
}

/** A CometD client pinned to one transport, with its own cookie jar. */
export function createCometD(
  bayeuxUrl: string,
  transport: CometDTransport,
  options: CometDOptions = {},
): CometDType {
  installCometD()
  const cometd = new CometD()
  for (const type of cometd.getTransportTypes())
    if (type !== transport) cometd.unregisterTransport(type)
  const jar = (options.sameBrowserAs && jarOfClient.get(options.sameBrowserAs)) ?? String(nextJar++)
  jarOfClient.set(cometd, jar)
  const urls: Record<CometDTransport, string> = {
    websocket: `${bayeuxUrl}?jar=${jar}`,
    'long-polling': bayeuxUrl,
    'callback-polling': `${bayeuxUrl}/jar-${jar}`,
  }
  if (options.ack) cometd.registerExtension('ack', new AckExtension())
  if (options.timesync) cometd.registerExtension('timesync', new TimeSyncExtension())
  cometd.configure({
    url: urls[transport],
    requestHeaders: { [jarHeader]: jar },
    logLevel: 'warn',
    useWorkerScheduler: false,
    maxNetworkDelay: 3_000,
    backoffIncrement: 100,
    maxBackoff: 500,
    ...options.configure,
  })
  return cometd
}

/** Handshakes; resolves with the reply (successful or not). */
export function handshake(cometd: CometDType, props: object = {}): Promise<Message> {
  return new Promise((resolve) => cometd.handshake(props, resolve))
}

/** Subscribes; resolves with the subscribe reply. */
export function subscribe(
  cometd: CometDType,
  channel: string,
  onMessage: (m: Message) => void,
): Promise<Message> {
  return new Promise((resolve) => cometd.subscribe(channel, onMessage, resolve))
}

/** Publishes; resolves with the publish ack. */
export function publish(cometd: CometDType, channel: string, data: unknown): Promise<Message> {
  return new Promise((resolve) => cometd.publish(channel, data, resolve))
}

/** Makes a remote call; resolves with the result message. */
export function remoteCall(
  cometd: CometDType,
  target: string,
  data: unknown,
  timeoutMs = 3_000,
): Promise<Message> {
  return new Promise((resolve) => cometd.remoteCall(target, data, timeoutMs, resolve))
}

/** Disconnects; resolves with the reply, or at once when already disconnected. */
export function disconnect(cometd: CometDType): Promise<unknown> {
  if (cometd.isDisconnected()) return Promise.resolve(undefined)
  return new Promise((resolve) => cometd.disconnect(resolve))
}

/** Faye's client type, as far as these tests use it. */
export type FayeClient = InstanceType<typeof Faye.Client>

/** A Faye client limited to `transport`, and a way to read its current clientId. */
export function createFaye(
  bayeuxUrl: string,
  transport: 'websocket' | 'long-polling',
): {
  client: FayeClient
  clientId: () => string | undefined
} {
  const client = new Faye.Client(bayeuxUrl, { timeout: 5, retry: 0.2 })
  if (transport === 'long-polling') client.disable('websocket')
  client.disable('in-process')
  client.disable('eventsource')
  let clientId: string | undefined
  // Faye 1.4 has no public getter; its handshake reply tells.
  client.addExtension({
    incoming(message, callback) {
      if (message.channel === '/meta/handshake' && message.successful) clientId = message.clientId
      callback(message)
    },
  })
  return { client, clientId: () => clientId }
}
