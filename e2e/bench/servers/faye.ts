// Peer server: Faye 1.4.3 (websocket and long-polling) on /bayeux, port 0; prints BENCH_PORT.
import http from 'node:http'
import { createRequire } from 'node:module'

// The project's ambient 'faye' types cover the client only; the adapter is typed here.
interface NodeAdapter {
  attach(server: http.Server): void
}
const faye = createRequire(import.meta.url)('faye') as {
  NodeAdapter: new (options: { mount: string; timeout: number }) => NodeAdapter
}

const server = http.createServer()
new faye.NodeAdapter({ mount: '/bayeux', timeout: 30 }).attach(server)
server.listen(0, '127.0.0.1', () => {
  const address = server.address()
  console.log(`BENCH_PORT ${typeof address === 'object' && address ? address.port : 0}`)
})
