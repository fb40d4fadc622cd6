// A test connection through the official CometD client in Node (cometd-nodejs-client), pinned to
// one transport: MobWrite requests as remote calls or publishes on /service/mobwrite, push
// notices collected. Reconnects by itself (short backoff) after a server restart.

import { adapt } from 'cometd-nodejs-client'
import { CometD, type Message } from 'cometd'

adapt()

/** The transports the tests pin a client to. */
export type TestTransport = 'websocket' | 'long-polling'

/** A connected CometD client speaking MobWrite. */
export interface TestConnection {
  readonly cometd: CometD
  /** Sends a request as a CometD remote call to `mobwrite`; resolves with the answer text. */
  call(request: string, timeoutMs?: number): Promise<string>
  /** Sends a request as a plain publish and resolves with the `{a}` delivered back. */
  publish(request: string, timeoutMs?: number): Promise<string>
  /** Every push notice received, oldest first. */
  readonly pushes: string[][]
  /** Handshakes completed (more than one after a server restart). */
  readonly handshakes: number
  disconnect(): Promise<void>
}

function readAnswer(message: Message): string {
  const data = message.data as { a?: unknown } | undefined
  if (message.successful === false || typeof data?.a !== 'string') {
    throw new Error(`No answer: ${JSON.stringify(message)}`)
  }
  return data.a
}

/** Connects to `bayeuxUrl` over `transport` and resolves after the first handshake. */
export function connectCometd(
  bayeuxUrl: string,
  opts: { transport: TestTransport; name?: string },
): Promise<TestConnection> {
  const cometd = new CometD()
  for (const name of cometd.getTransportTypes()) {
    if (name !== opts.transport) cometd.unregisterTransport(name)
  }
  cometd.configure({ url: bayeuxUrl, logLevel: 'warn', backoffIncrement: 50, maxBackoff: 300 })
  const pushes: string[][] = []
  const answers: ((answer: string) => void)[] = []
  let handshakes = 0
  cometd.addListener('/service/mobwrite', (message) => {
    const data = message.data as { sync?: unknown; a?: unknown } | undefined
    if (Array.isArray(data?.sync)) pushes.push(data.sync.map(String))
    else if (typeof data?.a === 'string') answers.shift()?.(data.a)
  })
  cometd.addListener('/meta/handshake', (m) => {
    if (m.successful) handshakes++
  })
  const connection: TestConnection = {
    cometd,
    pushes,
    get handshakes() {
      return handshakes
    },
    call: (request, timeoutMs = 5_000) =>
      new Promise((resolve, reject) => {
        cometd.remoteCall('mobwrite', { q: request }, timeoutMs, (reply) => {
          try {
            resolve(readAnswer(reply))
          } catch (err) {
            reject(err)
          }
        })
      }),
    publish: (request, timeoutMs = 5_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('No answer in time')), timeoutMs)
        answers.push((answer) => {
          clearTimeout(timer)
          resolve(answer)
        })
        cometd.publish('/service/mobwrite', { q: request })
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
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('Handshake timed out')), 5_000)
    cometd.handshake({ ext: { tandem: { name: opts.name ?? 'tester' } } }, (reply) => {
      if (!reply.successful) return
      clearTimeout(timer)
      resolve(connection)
    })
  })
}
