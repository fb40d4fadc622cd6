// Yjs editors for S2/S5: y-websocket's own WebsocketProvider, and a minimal Hocuspocus client
// (y-protocols sync messages prefixed with the document name; @hocuspocus/provider is not
// installed). Both count payload bytes on the wire and report tokens from remote inserts.
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import WebSocket from 'ws'
import * as syncProtocol from 'y-protocols/sync'
import { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'
import type { Editor, EditorOptions } from './editor.ts'
import { scanTokens } from './tokens.ts'

/** Payload bytes of every Yjs socket in this process (both directions). */
export const yjsBytes = { sent: 0, received: 0 }

// ws with byte counting, handed to WebsocketProvider as its WebSocket implementation.
class CountingWebSocket extends WebSocket {
  constructor(url: string, protocols?: string | string[]) {
    super(url, protocols, { perMessageDeflate: false })
    this.on('message', (data: Buffer | ArrayBuffer) => (yjsBytes.received += data.byteLength))
  }
  override send(data: Buffer | ArrayBuffer | Uint8Array | string, ...rest: unknown[]): void {
    yjsBytes.sent += typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength
    ;(super.send as (...a: unknown[]) => void)(data, ...rest)
  }
}

function observeRemoteTokens(text: Y.Text, options: EditorOptions): void {
  text.observe((event, transaction) => {
    if (transaction.local) return
    for (const op of event.delta)
      if (typeof op.insert === 'string') scanTokens(op.insert, options.onToken)
    options.onRemoteChange?.()
  })
}

/** An editor on the y-websocket reference server. */
export function createYWebsocketEditor(options: EditorOptions): Editor {
  const doc = new Y.Doc()
  const text = doc.getText('text')
  observeRemoteTokens(text, options)
  const provider = new WebsocketProvider(options.url, options.doc, doc, {
    WebSocketPolyfill: CountingWebSocket as unknown as typeof globalThis.WebSocket,
    disableBc: true,
  })
  let syncs = 0
  provider.on('sync', (isSynced: boolean) => {
    if (isSynced) options.onSynced?.(++syncs)
  })
  return {
    text: () => text.toString(),
    insert: (pos, s) => text.insert(pos, s),
    isSynced: () => provider.synced,
    settle: () => Promise.resolve(),
    close: () => {
      provider.destroy()
      doc.destroy()
    },
  }
}

/** An editor on Hocuspocus: auth (empty token), then y-protocols sync per document name. */
export function createHocuspocusEditor(options: EditorOptions): Editor {
  const doc = new Y.Doc()
  const text = doc.getText('text')
  observeRemoteTokens(text, options)
  const ws = new CountingWebSocket(options.url)
  let synced = false
  const send = (write: (e: encoding.Encoder) => void): void => {
    const e = encoding.createEncoder()
    encoding.writeVarString(e, options.doc)
    write(e)
    if (ws.readyState === WebSocket.OPEN) ws.send(encoding.toUint8Array(e))
  }
  ws.on('open', () => {
    // Hocuspocus MessageType.Auth (2), AuthMessageType.Token (0), then Sync (0) step 1.
    send(
      (e) => (
        encoding.writeVarUint(e, 2),
        encoding.writeVarUint(e, 0),
        encoding.writeVarString(e, '')
      ),
    )
    send((e) => (encoding.writeVarUint(e, 0), syncProtocol.writeSyncStep1(e, doc)))
  })
  ws.on('message', (data: Buffer) => {
    const d = decoding.createDecoder(new Uint8Array(data))
    decoding.readVarString(d)
    const type = decoding.readVarUint(d)
    if (type !== 0 && type !== 4) return
    const reply = encoding.createEncoder()
    encoding.writeVarString(reply, options.doc)
    encoding.writeVarUint(reply, 0)
    const before = encoding.length(reply)
    const kind = syncProtocol.readSyncMessage(d, reply, doc, ws)
    if (encoding.length(reply) > before) ws.send(encoding.toUint8Array(reply))
    if (kind === syncProtocol.messageYjsSyncStep2 && !synced) {
      synced = true
      options.onSynced?.(1)
    }
  })
  ws.on('error', () => {})
  doc.on('update', (update: Uint8Array, origin: unknown) => {
    if (origin !== ws)
      send((e) => (encoding.writeVarUint(e, 0), syncProtocol.writeUpdate(e, update)))
  })
  return {
    text: () => text.toString(),
    insert: (pos, s) => text.insert(pos, s),
    isSynced: () => synced,
    settle: () => Promise.resolve(),
    close: () => {
      ws.terminate()
      doc.destroy()
    },
  }
}
