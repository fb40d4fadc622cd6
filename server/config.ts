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
    /** PEM certificate file; with `tlsKeyPath`, serves https:// and wss:// on the same port. */
    tlsCertPath?: string
    /** PEM private key file of `tlsCertPath`. */
    tlsKeyPath?: string
  }
  /** SQLite store (server/store). */
  store: {
    /** Path of the SQLite file, or ':memory:'. */
    dbPath: string
    /**
     * SQLite `synchronous` in WAL mode: 'normal' survives a process crash or kill -9 (the
     * default); 'full' fsyncs every commit and also survives power loss, at ~1/10 the rate.
     */
    synchronous: 'normal' | 'full'
    /**
     * Group commit: the sync requests handled in one event-loop tick share one transaction
     * (their answers wait for it); at most this many per transaction. 1: one each.
     */
    maxGroupedCommits: number
  }
  /** The sync service: views, push, sweeps (server/sync/service.ts). */
  sync: SyncServiceConfig
  /** Identity, access control and per-identity limits (server/auth). */
  auth: AuthConfig
  /** The Bayeux server: timeouts, limits and transports (server/bayeux). */
  bayeux: BayeuxConfig
  /** Raw MobWrite gateways: HTTP q=/p=, TCP, WebSocket /mobwrite (server/gateway). */
  gateway: GatewayConfig
  /** Edge policy, admin, health and metrics (server/ops, server/http). */
  ops: OpsConfig
}

/** The `ops` section: what an operator tunes at the edge and at run time (issue 9). */
export interface OpsConfig {
  /** Allow Origins http(s)://localhost, 127.0.0.1, [::1] on any port (development; off in production). */
  allowLocalhostOrigins: boolean
  /** Paths (`*` matches anything) WebSocket upgrades and transport requests may use. */
  allowPaths: string[]
  /** Paths refused even when allowed (deny wins), e.g. `/mobwrite` to switch that socket off. */
  denyPaths: string[]
  /** Bayeux channels or wildcards (`/internal/**`) no client may subscribe or publish to (403). */
  denyChannels: string[]
  /** WebSocket subprotocols spoken, in preference order; used only when a client offers one. */
  wsSubprotocols: string[]
  /** Most WebSocket connections open at once from one address; more get HTTP 429. 0: no limit. */
  maxConnectionsPerIp: number
  /** Token the /admin endpoints and `tandem admin` require; null switches admin off. */
  adminToken: string | null
  /** Connect interval advised while push is deactivated (clients poll this often). */
  pollIntervalWithoutPushMs: number
  /** For this long after an admin ended a document, syncs of it get `E:` ERR_DOC_ENDED. */
  endedDocumentMs: number
  /** Graceful shutdown waits this long for held connects and sockets before forcing. */
  shutdownTimeoutMs: number
}

/** The `gateway` section: limits and switches of the raw MobWrite endpoints (DESIGN §5). */
export interface GatewayConfig {
  /** Origins allowed to call the HTTP gateway cross-origin (CORS); '*' allows any. Empty: none. */
  corsOrigins: string[]
  /** Largest HTTP request body (form `q=`/`p=`) accepted, in bytes; more answers `E:all:`. */
  maxBodyBytes: number
  /** Largest query string (JSONP `?p=`) accepted, in bytes. */
  maxQueryBytes: number
  /** Whole-body read deadline on the HTTP gateway (slowloris guard); past it `E:all:` + close. */
  httpBodyTimeoutMs: number
  /** TCP listener port (MobWrite used 3017); null switches it off (the default). 0 picks one. */
  tcpPort: number | null
  /** Interface the TCP listener binds. */
  tcpHost: string
  /** Largest TCP request (up to its blank line), in bytes; past it the socket is closed. */
  tcpMaxRequestBytes: number
  /** Whole-request read deadline on TCP (slowloris guard), from accept to the blank line. */
  tcpReadTimeoutMs: number
  /** Most TCP connections open at once; more are closed on accept. */
  tcpMaxConnections: number
  /** Largest `/mobwrite` WebSocket message, in bytes; more closes the socket (1009). */
  wsMaxMessageBytes: number
  /** Requests one `/mobwrite` WebSocket may have queued unanswered; more closes it (4429). */
  wsMaxPendingRequests: number
  /** `/mobwrite` WebSocket ping period; a socket that misses one pong is dropped. 0: no pings. */
  wsPingIntervalMs: number
  /**
   * Incomplete `b:` buffers are forgotten after this long. MobWrite kept them 15 min
   * (TIMEOUT_BUFFER), but its JSONP client sends every fragment at once, so a minute is plenty
   * and abandoned fragments leave memory fast (issue 14). Env: TANDEM_BUFFER_EXPIRY_MS.
   */
  bufferExpiryMs: number
  /** Most incomplete `b:` buffers held at once (oldest dropped first). */
  maxBuffers: number
  /** Largest reassembled `b:` buffer, in characters; larger ones are dropped. */
  maxBufferChars: number
  /**
   * Characters the incomplete `b:` buffers of one token (of one address for anonymous clients)
   * may hold together; a fragment past it answers `E:all:ERR_REQUEST_TOO_LARGE` and its buffer
   * is dropped. Env: TANDEM_MAX_BUFFERED_CHARS_PER_GROUP.
   */
  maxBufferedCharsPerGroup: number
  /**
   * Characters all incomplete `b:` buffers may hold together; past it the oldest are dropped.
   * Env: TANDEM_MAX_BUFFERED_CHARS.
   */
  maxBufferedChars: number
  /**
   * Longest `u:` (view) id accepted on the gateways, in UTF-16 code units; a request with a
   * longer one is refused with `E:all:ERR_REQUEST_INVALID` before it runs (the original client
   * makes 8-character ids, Tandem's web client 36). Env: TANDEM_MAX_USER_ID_CHARS.
   */
  maxUserIdChars: number
  /**
   * Distinct `u:` ids one `/mobwrite` WebSocket may use while it is open (each is tracked for
   * push notices until the socket closes); a request naming more is refused with
   * `E:all:ERR_REQUEST_INVALID`. Env: TANDEM_WS_MAX_USER_IDS.
   */
  wsMaxUserIdsPerSocket: number
  /**
   * A TCP connection that sends no byte for this long before its request is complete is closed
   * (idle connections would fill `tcpMaxConnections`). Env: TANDEM_TCP_IDLE_TIMEOUT_MS.
   */
  tcpIdleTimeoutMs: number
  /**
   * TCP connections one address may have open at once; more are closed on accept. A MobWrite
   * gateway script (q.py) in front of the TCP port is one address: raise it for one.
   * 0: no limit. Env: TANDEM_TCP_MAX_CONNECTIONS_PER_ADDRESS.
   */
  tcpMaxConnectionsPerAddress: number
  /**
   * Serve JSONP (`p=` in a GET or POST, answered `mobwrite.callback("…");`). Off by default: a
   * `<script>` on any web page can call it with the visitor's cookies and address and read the
   * answer, so every page could read and write documents through visitors' browsers (issue 14).
   * Turn it on only for the original client's cross-origin JSONP mode. Off, a `p=` request
   * answers `E:all:ERR_PATH_FORBIDDEN` and runs nothing; so does a GET `q=`, which a foreign
   * `<script>` or `<img>` could send too. Env: TANDEM_JSONP=true.
   */
  allowJsonp: boolean
}

/**
 * The `bayeux` section. Names follow CometD's server parameters (bayeux-notes §2.1, §2.11) with
 * units added. Each limit has its own error string or close code (server/bayeux/limits.ts).
 */
export interface BayeuxConfig {
  /** How long a `/meta/connect` is held before an empty reply (CometD `timeout`, advice.timeout). */
  timeoutMs: number
  /** Pause the client should make between connects (CometD `interval`, advice.interval). */
  intervalMs: number
  /** How long a session lives without a `/meta/connect` before it expires (CometD `maxInterval`). */
  maxIntervalMs: number
  /** Period of the expiry sweeper (CometD `sweepPeriod`). */
  sweepPeriodMs: number
  /** Largest HTTP body, JSONP `message` parameter or WebSocket frame accepted, in bytes. */
  maxMessageBytes: number
  /** Most Bayeux messages accepted in one request or frame; more gets HTTP 413 / close 4413. */
  maxMessagesPerRequest: number
  /** Most messages queued for one session; past it the session is dropped (client re-handshakes). */
  maxQueuedMessages: number
  /** Long polls held at once per BAYEUX_BROWSER cookie over HTTP (CometD `maxSessionsPerBrowser`). */
  maxSessionsPerBrowser: number
  /** Poll interval advised to extra sessions of one browser; <= 0 disconnects them instead. */
  multiSessionIntervalMs: number
  /** Most channels (names or patterns) one session may subscribe to. */
  maxSubscriptionsPerSession: number
  /** Most live sessions in the whole server; further handshakes are denied. */
  maxSessions: number
  /** Longest channel name or id accepted, in UTF-16 code units. */
  maxChannelChars: number
  /** Trust a clientId without its BAYEUX_BROWSER cookie (HTTP, new sockets; §4: keep false). */
  trustClientSession: boolean
  /** Require a handshake on every new WebSocket instead of trusting the first message's clientId. */
  requireHandshakePerConnection: boolean
  /** Allow remote subscriptions to the global wildcards `/*` and `/**` (CometD §8.3.7: denied). */
  allowGlobalWildcards: boolean
  /** Transports offered in the handshake, in the server's preference order. */
  transports: Array<'websocket' | 'long-polling' | 'callback-polling'>
  /** Name of the browser cookie binding HTTP sessions (CometD `browserCookieName`). */
  browserCookieName: string
  /** Mark the browser cookie `Secure` (serve over HTTPS). */
  browserCookieSecure: boolean
  /** `SameSite` attribute of the browser cookie; '' leaves it out. */
  browserCookieSameSite: '' | 'Lax' | 'Strict' | 'None'
  /** Origins allowed to make credentialed cross-origin requests; '*' reflects any Origin. */
  corsAllowedOrigins: string[]
  /** Offer the `ack` extension (reliable, ordered server-to-client delivery). */
  ackExtension: boolean
  /** Offer the `timesync` extension. */
  timesyncExtension: boolean
  /** Timesync answers only when the client's estimate is off by at least this much (CometD 25). */
  timesyncAccuracyTargetMs: number
  /** WebSocket ping period; a socket that misses one pong is terminated. 0 disables pings. */
  wsPingIntervalMs: number
  /** Offer `permessage-deflate` on /bayeux sockets (CometD ws.enableExtension; costs CPU). */
  wsPerMessageDeflate: boolean
  /** With deflate on, frames smaller than this many bytes are sent uncompressed. */
  wsDeflateThresholdBytes: number
  /** Frames one WebSocket may have waiting to be processed; more closes it with 4429. */
  wsMaxPendingFrames: number
  /** Bytes queued for a WebSocket that does not read; past it the socket is terminated. */
  wsMaxBufferedBytes: number
  /**
   * Deepest nesting of arrays and objects in one message (the message object is level 1); a
   * deeper one is refused with `400::message_too_deep` before any handler sees it, since encoding
   * it again would overflow the stack (issue 14). At least 1. Env: TANDEM_MAX_JSON_DEPTH.
   */
  maxJsonDepth: number
  /**
   * A long-polling body must arrive whole within this long from the request (a client dripping
   * bytes cannot extend it); past it HTTP 408 and the connection is closed (slowloris guard).
   * Env: TANDEM_BAYEUX_BODY_TIMEOUT_MS.
   */
  httpBodyTimeoutMs: number
  /**
   * A session handshaken but never `/meta/connect`-ed expires after this long (CometD clients
   * connect right after the handshake), so handshake floods leave the table fast.
   * Env: TANDEM_UNCONNECTED_SESSION_TIMEOUT_MS.
   */
  unconnectedSessionTimeoutMs: number
  /**
   * Unconnected sessions one address (an IPv6 /64) may hold at once; further handshakes get
   * `503::too_many_unconnected_sessions`. 0: no limit. Env: TANDEM_MAX_UNCONNECTED_PER_ADDRESS.
   */
  maxUnconnectedSessionsPerAddress: number
  /**
   * Unconnected sessions one BAYEUX_BROWSER cookie (or one WebSocket's) may hold at once; further
   * handshakes get `503::too_many_unconnected_sessions`. 0: no limit.
   * Env: TANDEM_MAX_UNCONNECTED_PER_BROWSER.
   */
  maxUnconnectedSessionsPerBrowser: number
  /**
   * Live sessions, connected or not, one address (an IPv6 /64) may hold; further handshakes get
   * `503::too_many_sessions_per_address`. Leave room for a NAT. 0: no limit.
   * Env: TANDEM_MAX_SESSIONS_PER_ADDRESS.
   */
  maxSessionsPerAddress: number
}

/** The `sync` section: how the sync service keeps views and pushes changes. */
export interface SyncServiceConfig {
  /** A view unused for this long is dropped (MobWrite TIMEOUT_VIEW: 30 min); documents stay. */
  viewExpiryMs: number
  /** How often idle views are swept (MobWrite's cleanup ran every 60 s). */
  sweepIntervalMs: number
  /** Push notices to one session are batched for this long after the first change. */
  pushDebounceMs: number
  /**
   * A view's new `m:` metadata (its caret) makes the other viewers sync, at most once per file
   * in this period, so collaborator carets move without waiting for the idle poll. 0: never.
   */
  metaPushIntervalMs: number
  /**
   * Largest master text, raw dump or client shadow, in UTF-16 code units; a larger one is
   * refused with `E:` (ERR_DOC_TOO_LARGE). Env: TANDEM_MAX_DOC_CHARS.
   */
  maxDocChars: number
  /** diff-match-patch `Diff_Timeout` for the server's diffs and merges, in seconds (DESIGN §6). */
  diffTimeoutSec: number
  /**
   * Characters of recorded text changes kept in memory (for all documents together), so the
   * edit from a view's shadow to today's text is composed instead of diffed over the whole text.
   * The oldest go first; 0 turns composing off. Env: TANDEM_CHANGE_MEMORY_CHARS.
   */
  changeMemoryChars: number
  /** Largest `m:` metadata (a caret) kept on a view, in characters; longer metadata is ignored. */
  maxMetaChars: number
  /**
   * Most (user, file) views one request may name; a request naming more is refused whole, before
   * any work (`E:all:ERR_REQUEST_TOO_LARGE`). Env: TANDEM_MAX_VIEWS_PER_REQUEST.
   */
  maxViewsPerRequest: number
  /**
   * Most characters of whole texts one request may make the server send: views it opens or
   * resets (`r:`/`R:`, or a view the server has not got) cost their document's length. A
   * request over it is refused whole, before any work. Env: TANDEM_MAX_TEXT_CHARS_PER_REQUEST.
   */
  maxTextCharsPerRequest: number
  /** Most `C:` lines (other views) one answer lists per file. Env: TANDEM_MAX_COLLABORATOR_LINES. */
  maxCollaboratorLines: number
  /**
   * Most views one token user, or one address for anonymous clients, may hold at once (stored
   * views: they expire after `viewExpiryMs`, `x:`/`n:` close them). A request that would open
   * more gets `E:<file>:ERR_REQUEST_TOO_LARGE` for those files, which it leaves unchanged; views
   * it holds keep working. 0: no limit. Env: TANDEM_MAX_VIEWS_PER_IDENTITY.
   */
  maxViewsPerIdentity: number
  /**
   * Distinct `u:` ids one Bayeux session may use on /service/mobwrite while it lives (as
   * gateway.wsMaxUserIdsPerSocket for a `/mobwrite` socket); a request naming more is refused
   * with `E:all:ERR_REQUEST_INVALID`. Env: TANDEM_MAX_USER_IDS_PER_SESSION.
   */
  maxUserIdsPerSession: number
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
  /**
   * Sustained MobWrite requests per second allowed per client: a Bayeux session, a `/mobwrite`
   * socket, or a gateway view (`u:` id + files). A person typing steadily syncs about 4 times a
   * second; the default leaves room for bursts and push-driven syncs in a busy document. Past it
   * a request is refused with ERR_RATE_LIMITED and `retryAfterMs`, and changes nothing.
   * Env: TANDEM_RATE_PER_SECOND. 0 switches request rate limiting off entirely (both tiers).
   */
  ratePerSecond: number
  /** Requests a client may send at once before its rate applies (bucket size). Env: TANDEM_RATE_BURST. */
  rateBurst: number
  /**
   * Sustained requests per second of all clients of one token together, or of one address for
   * anonymous clients (a NAT, a proxy): the ceiling for many clients, so much larger than
   * `ratePerSecond` (30 people at 4 syncs/s use 120). Env: TANDEM_SHARED_RATE_PER_SECOND; 0: off.
   */
  sharedRatePerSecond: number
  /** Requests one token or address may send at once (bucket size). Env: TANDEM_SHARED_RATE_BURST. */
  sharedRateBurst: number
  /**
   * Origins (scheme://host[:port]) allowed to send cookie-carrying Bayeux POSTs besides the
   * server's own origin (CSRF guard, bayeux-notes §4). Empty: same origin only.
   */
  allowedOrigins: string[]
  /**
   * How often live Bayeux sessions and `/mobwrite` sockets are checked against their token: a
   * revoked one (the CLI may revoke from another process) is ended with ERR_TOKEN_INVALID.
   */
  sessionCheckIntervalMs: number
}

/** The defaults used when nothing overrides them. */
export const defaultConfig: Config = {
  http: { port: 8080, host: '0.0.0.0' },
  store: { dbPath: './data/tandem.db', synchronous: 'normal', maxGroupedCommits: 256 },
  sync: {
    viewExpiryMs: 30 * 60_000,
    sweepIntervalMs: 60_000,
    pushDebounceMs: 10,
    metaPushIntervalMs: 250,
    maxDocChars: 1_048_576,
    // MobWrite used 0.1 s, so one hostile text cannot stall the server.
    diffTimeoutSec: 0.1,
    changeMemoryChars: 16 * 1024 * 1024,
    maxMetaChars: 4096,
    maxViewsPerRequest: 64,
    maxTextCharsPerRequest: 4 * 1_048_576,
    maxCollaboratorLines: 100,
    maxViewsPerIdentity: 1_000,
    maxUserIdsPerSession: 64,
  },
  auth: {
    defaultAccess: 'write',
    allowAnonymous: true,
    maxNameChars: 40,
    maxDocNameChars: 200,
    ratePerSecond: 50,
    rateBurst: 200,
    sharedRatePerSecond: 1_000,
    sharedRateBurst: 5_000,
    allowedOrigins: [],
    sessionCheckIntervalMs: 1_000,
  },
  bayeux: {
    timeoutMs: 30_000,
    intervalMs: 0,
    maxIntervalMs: 10_000,
    sweepPeriodMs: 997,
    maxMessageBytes: 1_048_576,
    maxMessagesPerRequest: 1_000,
    maxQueuedMessages: 10_000,
    maxSessionsPerBrowser: 1,
    multiSessionIntervalMs: 2_000,
    maxSubscriptionsPerSession: 1_000,
    maxSessions: 100_000,
    maxChannelChars: 512,
    trustClientSession: false,
    // A new socket adopts a session only with its BAYEUX_BROWSER cookie (core binding), so a
    // clientId alone never carries a session; `true` would break Faye (HTTP handshake, then ws).
    requireHandshakePerConnection: false,
    allowGlobalWildcards: false,
    transports: ['websocket', 'long-polling', 'callback-polling'],
    browserCookieName: 'BAYEUX_BROWSER',
    browserCookieSecure: false,
    browserCookieSameSite: '',
    corsAllowedOrigins: ['*'],
    ackExtension: true,
    timesyncExtension: true,
    timesyncAccuracyTargetMs: 25,
    wsPingIntervalMs: 25_000,
    wsPerMessageDeflate: false,
    wsDeflateThresholdBytes: 1_024,
    wsMaxPendingFrames: 1_000,
    wsMaxBufferedBytes: 16_777_216,
    maxJsonDepth: 64,
    httpBodyTimeoutMs: 10_000,
    unconnectedSessionTimeoutMs: 5_000,
    maxUnconnectedSessionsPerAddress: 256,
    maxUnconnectedSessionsPerBrowser: 32,
    maxSessionsPerAddress: 10_000,
  },
  gateway: {
    corsOrigins: [],
    maxBodyBytes: 1_048_576,
    maxQueryBytes: 65_536,
    httpBodyTimeoutMs: 10_000,
    tcpPort: null,
    tcpHost: '127.0.0.1',
    tcpMaxRequestBytes: 1_048_576,
    tcpReadTimeoutMs: 10_000,
    tcpMaxConnections: 1_000,
    wsMaxMessageBytes: 1_048_576,
    wsMaxPendingRequests: 16,
    wsPingIntervalMs: 25_000,
    bufferExpiryMs: 60_000,
    maxBuffers: 10_000,
    maxBufferChars: 1_048_576,
    maxBufferedCharsPerGroup: 8 * 1_048_576,
    maxBufferedChars: 64 * 1_048_576,
    maxUserIdChars: 128,
    wsMaxUserIdsPerSocket: 64,
    tcpIdleTimeoutMs: 2_000,
    tcpMaxConnectionsPerAddress: 64,
    allowJsonp: false,
  },
  ops: {
    allowLocalhostOrigins: true,
    allowPaths: ['*'],
    denyPaths: [],
    denyChannels: [],
    wsSubprotocols: ['cometd', 'bayeux', 'mobwrite'],
    maxConnectionsPerIp: 256,
    adminToken: null,
    pollIntervalWithoutPushMs: 2_000,
    endedDocumentMs: 60_000,
    shutdownTimeoutMs: 10_000,
  },
}
