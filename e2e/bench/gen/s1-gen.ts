// S1 generator child: a slice of the chat clients (CometD benchmark shape, bayeux-notes §6).
// Each client subscribes to its rooms; batches of messages go from random clients to random
// rooms of theirs; every delivery's latency is recorded against the time it was scheduled.
import { createBayeuxClient, type BayeuxClient } from '../lib/bayeux-client.ts'
import { createHistogram, encodeHistogram, nowMs, recordMs, type Histogram } from '../lib/hist.ts'
import { serveCommands } from '../lib/ipc.ts'
import { createRawClient } from '../lib/raw-client.ts'

/** `setup` arguments: where to connect and which rooms each of this child's clients joins. */
export interface S1Setup {
  url: string
  transport: 'websocket' | 'long-polling' | 'raw'
  rooms: string[][]
  roomSizes: Record<string, number>
}

/** `publish` arguments: the offered load of this child for one step. */
export interface S1Publish {
  step: number
  msgsPerSec: number
  durationMs: number
  batchSize: number
}

/** Counters returned by `publish` and `counts`. */
export interface S1Counts {
  sent: number
  expected: number
  received: number
  bytes: number
  requests: number
}

interface Delivery {
  t: number
  s: number
  p: string
}

const clients: BayeuxClient[] = []
const rooms: string[][] = []
let roomSizes: Record<string, number> = {}
const histograms = new Map<number, Histogram>()
const counts: S1Counts = { sent: 0, expected: 0, received: 0, bytes: 0, requests: 0 }
const padding = 'x'.repeat(24)

function onMessage(_channel: string, data: unknown): void {
  const d = data as Delivery
  if (typeof d?.t !== 'number') return
  counts.received++
  let h = histograms.get(d.s)
  if (!h) histograms.set(d.s, (h = createHistogram()))
  recordMs(h, nowMs() - d.t)
}

async function connectOne(setup: S1Setup, i: number): Promise<void> {
  const mine = setup.rooms[i] ?? []
  const client =
    setup.transport === 'raw'
      ? await createRawClient(setup.url, onMessage)
      : await createBayeuxClient({ url: setup.url, transport: setup.transport, onMessage })
  await client.subscribe(mine)
  clients[i] = client
  rooms[i] = mine
}

async function setup(args: S1Setup): Promise<{ clients: number }> {
  roomSizes = args.roomSizes
  // Connect in waves of 50 so a 1,000-client setup does not look like a SYN flood.
  for (let i = 0; i < args.rooms.length; i += 50) {
    const wave = []
    for (let j = i; j < Math.min(args.rooms.length, i + 50); j++) wave.push(connectOne(args, j))
    await Promise.all(wave)
  }
  return { clients: clients.length }
}

function sendBatch(step: number, scheduledMs: number, batchSize: number): void {
  const i = Math.floor(Math.random() * clients.length)
  const client = clients[i]
  const mine = rooms[i]
  if (!client || !mine?.length) return
  const messages = []
  for (let k = 0; k < batchSize; k++) {
    const channel = mine[Math.floor(Math.random() * mine.length)] as string
    messages.push({ channel, data: { t: scheduledMs, s: step, p: padding } satisfies Delivery })
  }
  if (!client.publish(messages)) return
  counts.sent += messages.length
  for (const m of messages) counts.expected += roomSizes[m.channel] ?? 0
}

// Open-loop load: batches are due on a fixed schedule and latency counts from the scheduled
// time, so a slow server cannot slow the generator down and hide its own delay.
function publish(args: S1Publish): Promise<S1Counts> {
  const intervalMs = (1000 * args.batchSize) / args.msgsPerSec
  const start = nowMs()
  const total = Math.max(1, Math.floor(args.durationMs / intervalMs))
  let done = 0
  return new Promise((resolve) => {
    const tick = (): void => {
      const due = Math.min(total, Math.floor((nowMs() - start) / intervalMs) + 1)
      for (; done < due; done++) sendBatch(args.step, start + done * intervalMs, args.batchSize)
      if (done < total)
        setTimeout(tick, Math.max(0, Math.min(5, start + done * intervalMs - nowMs())))
      else resolve(snapshot())
    }
    tick()
  })
}

function snapshot(): S1Counts {
  let bytes = 0
  let requests = 0
  for (const c of clients) {
    bytes += c.bytes.sent + c.bytes.received
    requests += c.bytes.requests
  }
  return { ...counts, bytes, requests }
}

function collect(args: { step: number }): { histogram: string } {
  const h = histograms.get(args.step)
  histograms.delete(args.step)
  return { histogram: h ? encodeHistogram(h) : '' }
}

function teardown(): null {
  for (const c of clients) c.close()
  return null
}

serveCommands({ setup, publish, counts: snapshot, collect, teardown })
