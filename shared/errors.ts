// The one registry of Tandem's internal error codes, shared by server and browser.
// Only {code, message} ever crosses a boundary. The README's error table lists these codes.

/** Every error code Tandem raises, with what it means. Add new codes here only. */
export const ErrorCode = {
  /** A document's text would exceed the configured maximum size. */
  ERR_DOC_TOO_LARGE: 'ERR_DOC_TOO_LARGE',
  /** A delta's lengths do not match the shadow it claims to apply to. */
  ERR_DELTA_MISMATCH: 'ERR_DELTA_MISMATCH',
  /** A delta or raw text could not be decoded (bad escape, invalid UTF-8, bad token). */
  ERR_DELTA_INVALID: 'ERR_DELTA_INVALID',
  /** The store could not read or commit. */
  ERR_STORE_UNAVAILABLE: 'ERR_STORE_UNAVAILABLE',
  /** A state machine was asked for a transition it does not allow. */
  ERR_SESSION_STATE_INVALID: 'ERR_SESSION_STATE_INVALID',
  /** A request was larger than the configured limit. */
  ERR_REQUEST_TOO_LARGE: 'ERR_REQUEST_TOO_LARGE',
  /** A request could not be parsed. */
  ERR_REQUEST_INVALID: 'ERR_REQUEST_INVALID',
  /** The caller may not read this document (or it does not exist: the two are not told apart). */
  ERR_ACCESS_DENIED: 'ERR_ACCESS_DENIED',
  /** The caller may read but not write this document. */
  ERR_READ_ONLY: 'ERR_READ_ONLY',
  /** The token is unknown or revoked. */
  ERR_TOKEN_INVALID: 'ERR_TOKEN_INVALID',
  /** Anonymous access is not allowed by the configuration. */
  ERR_ANONYMOUS_DISABLED: 'ERR_ANONYMOUS_DISABLED',
  /** A document name is empty, too long or has characters that are not allowed. */
  ERR_DOC_NAME_INVALID: 'ERR_DOC_NAME_INVALID',
  /** A cookie-carrying browser request came from an Origin the server does not trust (CSRF). */
  ERR_ORIGIN_FORBIDDEN: 'ERR_ORIGIN_FORBIDDEN',
  /** Too many requests from one identity in the rate window. */
  ERR_RATE_LIMITED: 'ERR_RATE_LIMITED',
  /** A WebSocket or transport path is refused by the server's allow/deny lists. */
  ERR_PATH_FORBIDDEN: 'ERR_PATH_FORBIDDEN',
  /** An operator closed every view of this document (Ocsigen's ENDED_CHANNEL); reopen to go on. */
  ERR_DOC_ENDED: 'ERR_DOC_ENDED',
  /** The server is shutting down and takes no new connections; retry against the new process. */
  ERR_SERVER_STOPPING: 'ERR_SERVER_STOPPING',
  /** An admin request lacked the admin token or carried a wrong one (or admin is off). */
  ERR_ADMIN_UNAUTHORIZED: 'ERR_ADMIN_UNAUTHORIZED',
  /**
   * The request names a view (`u:` id on a file) another client opened: another token user,
   * another address, or another live session from the same address. Nothing was changed.
   */
  ERR_VIEW_NOT_OWNED: 'ERR_VIEW_NOT_OWNED',
  /** The server hit an unexpected failure while handling the request; nothing was changed. */
  ERR_INTERNAL: 'ERR_INTERNAL',
} as const

/** One of the codes in {@link ErrorCode}. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode]

/** An internal failure with a stable code. Throw it inside; put `{code, message}` on the wire. */
export class SyncError extends Error {
  readonly code: ErrorCode
  /** Whether the client can carry on (retry, resync) without the user doing anything. */
  readonly isRecoverable: boolean
  /** For a refusal that passes (ERR_RATE_LIMITED): how long to wait before retrying, in ms. */
  readonly retryAfterMs: number | undefined

  constructor(code: ErrorCode, message: string, isRecoverable = false, retryAfterMs?: number) {
    super(message)
    this.name = 'SyncError'
    this.code = code
    this.isRecoverable = isRecoverable
    this.retryAfterMs = retryAfterMs
  }

  /** The form that crosses a boundary (`retryAfterMs` only when there is one). */
  toJSON(): { code: ErrorCode; message: string; isRecoverable: boolean; retryAfterMs?: number } {
    const { code, message, isRecoverable, retryAfterMs } = this
    return { code, message, isRecoverable, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) }
  }
}
