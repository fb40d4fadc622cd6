// The Bayeux error strings Tandem puts on the wire, `code:args:message` (bayeux-notes §1.4).
// They copy what CometD's Java server sends, so clients and tests can match them exactly.

/** Fixed error strings. */
export const BayeuxError = {
  /** Unknown, expired or cookie-mismatched session (sent with handshake advice on connect). */
  UnknownClient: '402::Unknown client',
  /** The security policy refused the handshake. */
  HandshakeDenied: '403::Handshake denied',
  /** An incoming extension vetoed the message. */
  MessageDeleted: '404::message deleted',
  /** A message without a string `channel`. */
  ChannelMissing: '400::channel_missing',
  /** A malformed channel name, or a publish to a wildcard. */
  ChannelInvalid: '405::channel_invalid',
  /** An `id` that is not a short string. */
  MessageIdInvalid: '405::message_id_invalid',
  /** A message that is not a JSON object. */
  MessageInvalid: '400::message_invalid',
  /** A field of the wrong type (ext, advice, clientId, data shape). */
  FieldInvalid: '400::field_invalid',
  /** A (un)subscribe without `subscription`. */
  SubscriptionMissing: '403::subscription_missing',
  /** A (un)subscribe whose `subscription` is not a valid channel or list of them. */
  SubscriptionInvalid: '403::subscription_invalid',
  /** The session already has the configured maximum of subscriptions. */
  SubscriptionsExceeded: '403::subscriptions_exceeded',
  /** A handshake without `version`. */
  VersionMissing: '400::version_missing',
  /** A handshake whose `supportedConnectionTypes` shares nothing with the server's. */
  ConnectionTypesUnsupported: '400::connection_types_unsupported',
  /** A connect whose `connectionType` the server does not offer. */
  ConnectionTypeInvalid: '400::connection_type_invalid',
  /** The server already holds the configured maximum of sessions. */
  TooManySessions: '503::too_many_sessions',
  /** A message nested deeper than `maxJsonDepth` (refused before any handler sees it). */
  MessageTooDeep: '400::message_too_deep',
  /** The address or browser already holds its maximum of handshaken, unconnected sessions. */
  TooManyUnconnectedSessions: '503::too_many_unconnected_sessions',
  /** The address already holds `maxSessionsPerAddress` live sessions. */
  TooManySessionsPerAddress: '503::too_many_sessions_per_address',
  /** More long polls from one browser than `maxSessionsPerBrowser`, with polling disabled. */
  MultipleClients: '409::multiple_clients',
  /** A handler failed unexpectedly; nothing else about the failure is sent. */
  ServerError: '500::server_error',
  /** The server is shutting down. */
  ServerStopping: '503::server_stopping',
} as const

/** The operations an authorization error names; CometD spells publish/create with a space. */
export type DeniedOperation =
  'subscribe_denied' | 'create_denied' | 'publish denied' | 'create denied'

/** `403:<reason>:<operation>`, e.g. `403:denied_by_security_policy:subscribe_denied`. */
export function deniedError(reason: string, operation: DeniedOperation): string {
  return `403:${reason}:${operation}`
}

/** Deny reason used when the security policy says no. */
export const deniedBySecurityPolicy = 'denied_by_security_policy'
/** Deny reason used when authorizers exist and none granted. */
export const deniedByNotGranting = 'denied_by_not_granting'
