// Bayeux 1.0 wire types, named exactly as the spec names them (bayeux-notes §1.2).
// Pure types: no I/O, no runtime code besides the connection-type list.

/** The connection types Tandem's server can speak, in CometD's preference order. */
export const connectionTypes = ['websocket', 'long-polling', 'callback-polling'] as const

/** One of {@link connectionTypes}. */
export type ConnectionType = (typeof connectionTypes)[number]

/** What a client should do after a failed connect (bayeux-notes §1.5). */
export type Reconnect = 'retry' | 'handshake' | 'none'

/** The `advice` object. Servers send it whole every time (trap 8). */
export interface Advice {
  reconnect?: Reconnect
  interval?: number
  timeout?: number
  'multiple-clients'?: boolean
  maxInterval?: number
  hosts?: string[]
}

/**
 * One Bayeux message, request or reply. Fields a codec did not recognise are dropped; the
 * extension object `ext` is kept as sent.
 */
export interface BayeuxMessage {
  channel: string
  id?: string
  clientId?: string
  data?: unknown
  successful?: boolean
  error?: string
  advice?: Advice
  ext?: Record<string, unknown>
  version?: string
  minimumVersion?: string
  supportedConnectionTypes?: string[]
  connectionType?: string
  subscription?: string | string[]
  authSuccessful?: boolean
}

/** The reply to something that is not a message with a valid channel: the error alone. */
export interface UnroutableReply {
  successful: false
  error: string
  channel?: string
  id?: string
}

/** Anything the server sends back for a request. */
export type ReplyMessage = BayeuxMessage | UnroutableReply
