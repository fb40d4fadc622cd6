// Every tunable of Tandem in one defaults object: meaning and unit in each name and comment.
// Only server/main.ts reads env/argv; it overrides these defaults. Sections belong to modules.

/** Tandem's configuration. Each section is owned by the module named in its comment. */
export interface Config {
  /** HTTP listener (server/main.ts, server/app.ts). */
  http: {
    /** TCP port; 0 picks a free one. */
    port: number
    /** Host/interface to bind. */
    host: string
  }
  /** SQLite store (server/store). */
  store: {
    /** Path of the SQLite file, or ':memory:'. */
    dbPath: string
  }
  /** Identity, access control and per-identity limits (server/auth). */
  auth: AuthConfig
}

/** The `auth` section: who may connect and what they may do when no ACL rule says otherwise. */
export interface AuthConfig {
  /**
   * Access when no ACL rule matches a document for a principal. The embedded default is
   * 'write' so a fresh install just works; lock down with 'none' (or 'read') plus rules.
   */
  defaultAccess: 'write' | 'read' | 'none'
  /** Whether clients without a token may connect (as principal `anonymous`, with a display name). */
  allowAnonymous: boolean
  /** Longest display name kept (UTF-16 code units); longer names are cut. */
  maxNameChars: number
  /** Longest document name accepted (UTF-16 code units). */
  maxDocNameChars: number
  /** Sustained MobWrite requests per second allowed per identity (token bucket refill). */
  ratePerSecond: number
  /** Requests an identity may send at once before the rate limit applies (bucket size). */
  rateBurst: number
  /**
   * Origins (scheme://host[:port]) allowed to send cookie-carrying Bayeux POSTs besides the
   * server's own origin (CSRF guard, bayeux-notes §4). Empty: same origin only.
   */
  allowedOrigins: string[]
}

/** The defaults used when nothing overrides them. */
export const defaultConfig: Config = {
  http: { port: 8080, host: '0.0.0.0' },
  store: { dbPath: './data/tandem.db' },
  auth: {
    defaultAccess: 'write',
    allowAnonymous: true,
    maxNameChars: 40,
    maxDocNameChars: 200,
    ratePerSecond: 20,
    rateBurst: 100,
    allowedOrigins: [],
  },
}
