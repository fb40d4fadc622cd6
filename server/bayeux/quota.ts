// Per-address and per-browser session counts, so no one client can fill the session table
// (issue 14): unconnected sessions (handshaken, never /meta/connect-ed) per address and per
// BAYEUX_BROWSER cookie, and live sessions per address. Counting only; core.ts decides.

import { BayeuxError } from '../../shared/bayeux/error.ts'
import type { SessionImpl } from './session.ts'
import type { BayeuxOptions } from './types.ts'

/**
 * The key an address is counted under: IPv4 as it is (IPv4-mapped IPv6 unwrapped), IPv6 by its
 * /64 prefix, since one host commonly holds a whole /64 and could otherwise pick a fresh address
 * per handshake.
 */
export function addressKey(address: string): string {
  const plain = address.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '').replace(/%.*$/, '')
  if (!plain.includes(':')) return plain
  const [head = '', tail] = plain.toLowerCase().split('::', 2)
  const headGroups = head === '' ? [] : head.split(':')
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':')
  const fill =
    tail === undefined
      ? []
      : Array(Math.max(0, 8 - headGroups.length - tailGroups.length)).fill('0')
  const groups = [...headGroups, ...fill, ...tailGroups].map((g) => g.replace(/^0+(?=.)/, ''))
  return `${groups.slice(0, 4).join(':')}::/64`
}

function bump(map: Map<string, number>, key: string, by: 1 | -1): void {
  const next = (map.get(key) ?? 0) + by
  if (next > 0) map.set(key, next)
  else map.delete(key)
}

/** Session counts per address and per browser, against the limits in `options`. */
export class SessionQuota {
  readonly #unconnectedByAddress = new Map<string, number>()
  readonly #unconnectedByBrowser = new Map<string, number>()
  readonly #liveByAddress = new Map<string, number>()
  /** The cookie each unconnected session is counted under (its own may change later). */
  readonly #countedBrowser = new WeakMap<SessionImpl, string>()

  constructor(private readonly options: Readonly<BayeuxOptions>) {}

  /**
   * The error string refusing a new session from `address` with the request's `browserId` (none
   * before a browser cookie is minted), or undefined when it is within every limit.
   */
  refusal(address: string, browserId: string | undefined): string | undefined {
    const {
      maxSessionsPerAddress,
      maxUnconnectedSessionsPerAddress,
      maxUnconnectedSessionsPerBrowser,
    } = this.options
    const key = addressKey(address)
    if (isOver(this.#liveByAddress.get(key), maxSessionsPerAddress)) {
      return BayeuxError.TooManySessionsPerAddress
    }
    const isAddressFull = isOver(
      this.#unconnectedByAddress.get(key),
      maxUnconnectedSessionsPerAddress,
    )
    const isBrowserFull =
      browserId !== undefined &&
      isOver(this.#unconnectedByBrowser.get(browserId), maxUnconnectedSessionsPerBrowser)
    return isAddressFull || isBrowserFull ? BayeuxError.TooManyUnconnectedSessions : undefined
  }

  /** Counts a new (unconnected) session. */
  added(session: SessionImpl): void {
    const key = addressKey(session.remoteAddress)
    if (session.browserId !== undefined) this.#countedBrowser.set(session, session.browserId)
    bump(this.#liveByAddress, key, 1)
    this.#countUnconnected(session, key, 1)
  }

  /** Moves a session from unconnected to connected (its first /meta/connect reply). */
  connected(session: SessionImpl): void {
    this.#countUnconnected(session, addressKey(session.remoteAddress), -1)
  }

  /** Forgets a removed session; `wasUnconnected` when it never connected. */
  removed(session: SessionImpl, wasUnconnected: boolean): void {
    const key = addressKey(session.remoteAddress)
    bump(this.#liveByAddress, key, -1)
    if (wasUnconnected) this.#countUnconnected(session, key, -1)
  }

  #countUnconnected(session: SessionImpl, key: string, by: 1 | -1): void {
    bump(this.#unconnectedByAddress, key, by)
    const browser = this.#countedBrowser.get(session)
    if (browser !== undefined) bump(this.#unconnectedByBrowser, browser, by)
  }
}

// 0 switches a limit off.
function isOver(count: number | undefined, limit: number): boolean {
  return limit > 0 && (count ?? 0) >= limit
}
