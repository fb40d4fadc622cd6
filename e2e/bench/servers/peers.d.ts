// Minimal types for the peer servers that ship none (only what the benchmark calls). Faye's
// module is typed by server/test/faye.d.ts (client only); servers/faye.ts types its adapter.
declare module 'y-websocket/bin/utils' {
  import type { IncomingMessage } from 'node:http'
  import type WebSocket from 'ws'
  /** Binds one client socket to its document (named by the URL path) on the reference server. */
  export function setupWSConnection(conn: WebSocket, req: IncomingMessage): void
}
