// Peer server: cometd-nodejs-server 1.2.1 (long-polling only) on /bayeux, port 0. The per-browser
// limit is lifted (bayeux-notes §1.11), as well as every client having its own cookie jar.
import http from 'node:http'
import cometdServer from 'cometd-nodejs-server'

const cometd = cometdServer.createCometDServer({ maxSessionsPerBrowser: -1, timeout: 30_000 })
const server = http.createServer(cometd.handle)
server.listen(0, '127.0.0.1', () => {
  const address = server.address()
  console.log(`BENCH_PORT ${typeof address === 'object' && address ? address.port : 0}`)
})
