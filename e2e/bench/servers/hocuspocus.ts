// Peer server: Hocuspocus 3.4.3 with its defaults (in memory, no extensions). Port 0 (or PORT);
// prints BENCH_PORT.
import { Server } from '@hocuspocus/server'

const server = new Server({
  port: Number(process.env.PORT ?? 0),
  address: '127.0.0.1',
  quiet: true,
})
await server.listen()
console.log(`BENCH_PORT ${server.address.port}`)
