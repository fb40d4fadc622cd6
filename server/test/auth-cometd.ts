// Test clients for the auth suites: the official CometD client pinned to one transport (built by
// bayeux-clients.ts, the one cometd-nodejs-client adapter), handshaking with ext.tandem
// credentials. Answers and push notices on /service/mobwrite are collected. All clients of a test
// process share one cookie jar, like the tabs of one browser.

import type { CometD, Message } from 'cometd'
import { cookieOf, createCometD } from './bayeux-clients.ts'

// The first client made; every later one shares its cookie jar (one browser).
let browser: CometD | undefined

/** The value of a cookie the test "browser" holds, if any. */
export function browserCookie(name: string): string | undefined {
  return browser && cookieOf(browser, name)
}

/** The transports the tests pin a client to. */
export type Transport = 'websocket' | 'long-polling'

/** A handshaken client. */
export interface AuthClient {
  readonly cometd: CometD
  readonly clientId: string
  /** The successful handshake reply (its `ext.tandem` carries the handle). */
  readonly handshake: Message
  /** Sends a MobWrite request as a remote call; resolves with the answer text. */
  request(text: string, timeoutMs?: number): Promise<string>
  /** Every push notice (`{"sync": files}`) received, oldest first. */
  readonly pushes: string[][]
  /** Subscribes; resolves with the subscribe reply (successful or not). */
  subscribe(channel: string): Promise<Message>
  disconnect(): Promise<void>
}

/** Credentials and transport of {@link connect}. */
export interface ConnectOptions {
  readonly transport: Transport
  readonly token?: string
  readonly name?: string
}

function createClient(url: string, transport: Transport): CometD {
  const cometd = createCometD(url, transport, {
    configure: { backoffIncrement: 50, maxBackoff: 300 },
    ...(browser ? { sameBrowserAs: browser } : {}),
  })
  browser ??= cometd
  return cometd
}

/**
 * Handshakes with `ext.tandem = {token, name}`; resolves with the reply. A refused handshake
 * resolves too (successful false) and leaves the client stopped (advice reconnect none).
 */
export function tryConnect(
  url: string,
  opts: ConnectOptions,
): Promise<{ reply: Message; client?: AuthClient }> {
  const cometd = createClient(url, opts.transport)
  const pushes: string[][] = []
  cometd.addListener('/service/mobwrite', (message) => {
    const data = message.data as { sync?: unknown } | undefined
    if (Array.isArray(data?.sync)) pushes.push(data.sync.map(String))
  })
  const tandem = {
    ...(opts.token ? { token: opts.token } : {}),
    ...(opts.name ? { name: opts.name } : {}),
  }
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('Handshake timed out')), 5_000)
    cometd.handshake({ ext: { tandem } }, (reply) => {
      clearTimeout(timer)
      if (!reply.successful) return resolve({ reply })
      resolve({ reply, client: makeClient(cometd, reply, pushes) })
    })
  })
}

function makeClient(cometd: CometD, handshake: Message, pushes: string[][]): AuthClient {
  return {
    cometd,
    clientId: String(handshake.clientId),
    handshake,
    pushes,
    request: (text, timeoutMs = 5_000) =>
      new Promise((resolve, reject) => {
        cometd.remoteCall('mobwrite', { q: text }, timeoutMs, (reply) => {
          const data = reply.data as { a?: unknown } | undefined
          if (reply.successful && typeof data?.a === 'string') resolve(data.a)
          else reject(new Error(`No answer: ${JSON.stringify(reply)}`))
        })
      }),
    subscribe: (channel) =>
      new Promise((resolve) => {
        cometd.subscribe(
          channel,
          () => {},
          (reply) => resolve(reply),
        )
      }),
    disconnect: () =>
      new Promise((resolve) => {
        const timer = setTimeout(resolve, 1_000)
        cometd.disconnect(() => {
          clearTimeout(timer)
          resolve()
        })
      }),
  }
}

/** Handshakes and fails the test when the server refuses. */
export async function connect(url: string, opts: ConnectOptions): Promise<AuthClient> {
  const { reply, client } = await tryConnect(url, opts)
  if (!client) throw new Error(`Handshake refused: ${JSON.stringify(reply)}`)
  return client
}
