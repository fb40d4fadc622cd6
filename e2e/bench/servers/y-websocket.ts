// Peer server: the y-websocket 2.1.0 reference server (bin/utils setupWSConnection, yjs 13.6),
// one document per URL path. YPERSISTENCE=<dir> turns on its LevelDB persistence (S5).
// PORT picks the port (0 by default; S5 restarts on the same one). Prints BENCH_PORT.
import http from 'node:http'
import { WebSocketServer } from 'ws'
import { setupWSConnection } from 'y-websocket/bin/utils'

const server = http.createServer((_req, res) => res.end('y-websocket'))
const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false })
wss.on('connection', (conn, req) => setupWSConnection(conn, req))
server.on('upgrade', (req, socket, head) => {
  wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req))
})
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const address = server.address()
  console.log(`BENCH_PORT ${typeof address === 'object' && address ? address.port : 0}`)
})
