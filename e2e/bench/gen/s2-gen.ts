// S2/S5 generator child: a slice of the editors of one or more documents. Each editor types
// tokens at its own steady rate; every token a peer receives is reported with its arrival time,
// so the coordinator can compute edit → all-peers latency across processes.
import type { Editor, EditorFactory } from '../lib/editor.ts'
import { nowMs } from '../lib/hist.ts'
import { serveCommands } from '../lib/ipc.ts'
import { delay, waitFor } from '../lib/rng.ts'
import { fingerprint, makeToken, safeInsertPosition, tokenId } from '../lib/tokens.ts'
import { createHocuspocusEditor, createYWebsocketEditor, yjsBytes } from '../lib/yjs-editors.ts'

/** The kinds of server an editor can talk to. */
export type EditorKind = 'tandem' | 'y-websocket' | 'hocuspocus'

// Tandem's editor is loaded on first use, so the Yjs peers run even while the engine is absent.
const factories: Record<EditorKind, () => Promise<EditorFactory>> = {
  tandem: async () => (await import('../lib/tandem-editor.ts')).createTandemEditor,
  'y-websocket': async () => createYWebsocketEditor,
  hocuspocus: async () => createHocuspocusEditor,
}

/** `setup`: which editors (global indices) this child runs, on which document each. */
export interface S2Setup {
  kind: EditorKind
  url: string
  /** [global editor index, document name] pairs. */
  editors: [number, string][]
  reconnect?: boolean
  syncTimeoutMs: number
}

/** `report`: tokens created here (id, ms) and tokens seen here (id, editors that saw it, last ms). */
export interface S2Report {
  created: [string, number][]
  seen: [string, number, number][]
  bytes: number
  syncs: number
  acked: string[]
}

interface Slot {
  index: number
  doc: string
  editor: Editor
  seq: number
  seenIds: Set<string>
  synced: number
  syncedAtMs: number
}

let kind: EditorKind = 'tandem'
let slots: Slot[] = []
let created = new Map<string, number>()
let seen = new Map<string, { count: number; lastMs: number }>()

function onToken(slot: Slot, id: string): void {
  if (slot.seenIds.has(id) || id.startsWith(`${slot.index.toString(36)}.`)) return
  slot.seenIds.add(id)
  const s = seen.get(id)
  if (s) {
    s.count++
    s.lastMs = nowMs()
  } else seen.set(id, { count: 1, lastMs: nowMs() })
}

function openSlot(make: EditorFactory, args: S2Setup, index: number, doc: string): Slot {
  const slot = { index, doc, seq: 0, seenIds: new Set<string>(), synced: 0, syncedAtMs: 0 } as Slot
  slot.editor = make({
    url: args.url,
    doc,
    user: `bench${index}`,
    reconnect: args.reconnect,
    onToken: (id) => onToken(slot, id),
    onSynced: (n) => {
      slot.synced = n
      slot.syncedAtMs = nowMs()
    },
  })
  return slot
}

async function setup(args: S2Setup): Promise<{ editors: number }> {
  kind = args.kind
  const make = await factories[args.kind]()
  for (let i = 0; i < args.editors.length; i += 25) {
    const wave = args.editors
      .slice(i, i + 25)
      .map(([index, doc]) => openSlot(make, args, index, doc))
    slots.push(...wave)
    const ok = await waitFor(() => wave.every((s) => s.editor.isSynced()), args.syncTimeoutMs)
    if (!ok)
      throw new Error(
        `${wave.filter((s) => !s.editor.isSynced()).length} editors not synced in ${args.syncTimeoutMs} ms`,
      )
  }
  return { editors: slots.length }
}

/** Seeds `doc` with `text` through one editor, then checks a second one sees all of it. */
async function seed(args: {
  kind: EditorKind
  url: string
  doc: string
  text: string
}): Promise<null> {
  const make = await factories[args.kind]()
  const writer = make({ url: args.url, doc: args.doc, user: 'seeder', onToken: () => {} })
  try {
    if (!(await waitFor(() => writer.isSynced(), 20_000))) throw new Error('seeder not synced')
    if (writer.text().length === 0) writer.insert(0, args.text)
    await writer.settle()
    const reader = make({ url: args.url, doc: args.doc, user: 'seed-check', onToken: () => {} })
    const ok = await waitFor(
      () => reader.isSynced() && reader.text().length >= args.text.length,
      20_000,
    )
    reader.close()
    if (!ok) throw new Error(`seed of ${args.doc} not visible to a second editor`)
  } finally {
    writer.close()
  }
  return null
}

function typeOne(slot: Slot): void {
  const token = makeToken(slot.index, slot.seq++)
  const text = slot.editor.text()
  const pos = safeInsertPosition(text, Math.floor(Math.random() * (text.length + 1)))
  created.set(tokenId(token), nowMs())
  slot.editor.insert(pos, token)
}

// Each editor types at a steady rate from a random phase, so the load is spread evenly.
async function type(args: { editsPerSec: number; durationMs: number }): Promise<{ edits: number }> {
  const periodMs = 1000 / args.editsPerSec
  const end = nowMs() + args.durationMs
  let edits = 0
  await Promise.all(
    slots.map(async (slot) => {
      await delay(Math.random() * periodMs)
      for (let next = nowMs(); next < end; next += periodMs) {
        const wait = next - nowMs()
        if (wait > 0) await delay(wait)
        typeOne(slot)
        edits++
      }
    }),
  )
  return { edits }
}

async function settle(): Promise<{ fingerprints: [string, string][] }> {
  await Promise.all(slots.map((s) => s.editor.settle()))
  return { fingerprints: slots.map((s) => [s.doc, fingerprint(s.editor.text())]) }
}

function report(): S2Report {
  let syncs = 0
  let bytes = yjsBytes.sent + yjsBytes.received
  const acked: string[] = []
  for (const s of slots) {
    const st = s.editor.stats?.()
    if (st) {
      syncs += st.syncs
      bytes += st.bytes
    }
    acked.push(...(s.editor.ackedTokens?.() ?? []))
  }
  const out: S2Report = {
    created: [...created],
    seen: [...seen].map(([id, s]) => [id, s.count, s.lastMs]),
    bytes,
    syncs,
    acked,
  }
  created = new Map()
  seen = new Map()
  return out
}

/** S5: how many editors are synced since `sinceMs`, and when each got there. */
function resynced(args: { sinceMs: number }): { times: number[]; total: number } {
  const times = slots
    .filter((s) => s.syncedAtMs >= args.sinceMs && s.editor.isSynced())
    .map((s) => s.syncedAtMs)
  return { times, total: slots.length }
}

/** S5: the final text of every editor, with its document. */
function texts(): { texts: [string, string][] } {
  return { texts: slots.map((s) => [s.doc, s.editor.text()]) }
}

function teardown(): null {
  for (const s of slots) s.editor.close()
  slots = []
  yjsBytes.sent = yjsBytes.received = 0
  return null
}

serveCommands({ setup, seed, type, settle, report, resynced, texts, teardown, kind: () => kind })
