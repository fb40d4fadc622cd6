// The floor: a bare `ws` 8 pub/sub with Bayeux-shaped frames and no protocol. A frame is a JSON
// array of `{channel, data}` (publish: each is sent to the channel's sockets, serialized once)
// or `[{channel: '/meta/subscribe', subscription: [...]}]` (answered `[{successful: true}]`).
// `{channel: '/echo'}` frames come back unchanged (round-trip floor). Port 0; prints BENCH_PORT.
import { WebSocketServer, type WebSocket } from 'ws'

interface Frame {
  channel: string
  data?: unknown
  subscription?: string[]
}

const rooms = new Map<string, Set<WebSocket>>()
const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false })

wss.on('connection', (socket) => {
  const mine: string[] = []
  socket.on('message', (raw: Buffer) => {
    const text = raw.toString()
    const frames = JSON.parse(text) as Frame[]
    for (const f of frames) {
      if (f.channel === '/echo') return socket.send(text)
      if (f.channel === '/meta/subscribe') {
        for (const c of f.subscription ?? []) {
          let room = rooms.get(c)
          if (!room) rooms.set(c, (room = new Set()))
          room.add(socket)
          mine.push(c)
        }
        socket.send(JSON.stringify([{ channel: '/meta/subscribe', successful: true }]))
        continue
      }
      const out = JSON.stringify([{ channel: f.channel, data: f.data }])
      for (const peer of rooms.get(f.channel) ?? []) peer.send(out)
    }
  })
  socket.on('close', () => {
    for (const c of mine) rooms.get(c)?.delete(socket)
  })
})
wss.on('listening', () => {
  const address = wss.address()
  console.log(`BENCH_PORT ${typeof address === 'object' && address ? address.port : 0}`)
})
