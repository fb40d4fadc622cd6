// The one editor interface S2 and S5 drive, whatever the server: Tandem (diff-sync over Bayeux),
// y-websocket or Hocuspocus. The load generator is the same code for every contender.

/** What an editor is told at creation. */
export interface EditorOptions {
  /** Server URL: `ws://host:port/<path>` for Yjs peers, `http://host:port/bayeux` for Tandem. */
  url: string
  /** Document (file, room) name. */
  doc: string
  /** Stable user identity (Tandem's MobWrite user id survives reconnects). */
  user: string
  /** Called with the id of every token that arrived in a remote change. */
  onToken: (id: string) => void
  /** Called after every remote change. */
  onRemoteChange?: () => void
  /** Called each time the editor is in sync with the server after (re)connecting; n counts them. */
  onSynced?: (n: number) => void
  /** Reconnect after the server goes away (S5). */
  reconnect?: boolean
}

/** A connected editor on one document. */
export interface Editor {
  text(): string
  /** A local edit: inserts `s` at `pos`; the editor syncs it on its own. */
  insert(pos: number, s: string): void
  isSynced(): boolean
  /** Resolves once everything typed so far has reached the server and come back (one round). */
  settle(): Promise<void>
  close(): void
  /** Tandem: ids of own tokens the server has acknowledged (answered a request carrying them). */
  ackedTokens?(): string[]
  /** Tandem: sync requests sent so far and payload bytes (both directions). */
  stats?(): { syncs: number; bytes: number }
}

/** Creates an editor for one contender. */
export type EditorFactory = (options: EditorOptions) => Editor
