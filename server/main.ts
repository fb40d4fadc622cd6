// Entry point: the only file that reads env/argv and calls listen(). PORT (default 8080, 0
// picks a free port), HOST (default 0.0.0.0), TANDEM_DB (default ./data/tandem.db).

import type { AddressInfo } from 'node:net'
import { createApp } from './app.ts'
import { type Config, defaultConfig } from './config.ts'
import { log } from './log.ts'
import { staticFiles } from './http/static.ts'

function readConfig(env: NodeJS.ProcessEnv): Config {
  const config = structuredClone(defaultConfig)
  const port = Number(env.PORT ?? config.http.port)
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new RangeError(`PORT must be an integer from 0 to 65535, got ${env.PORT}`)
  }
  config.http.port = port
  config.http.host = env.HOST ?? config.http.host
  config.store.dbPath = env.TANDEM_DB ?? config.store.dbPath
  return config
}

const config = readConfig(process.env)
// The store helper opens config.store.dbPath here and passes it as deps.store.
const tandem = createApp({ config, plugins: [staticFiles()] })

tandem.server.listen(config.http.port, config.http.host, () => {
  const { port } = tandem.server.address() as AddressInfo
  const host = ['0.0.0.0', '::'].includes(config.http.host) ? 'localhost' : config.http.host
  console.log(`Tandem listening on http://${host}:${port}`)
})

let isStopping = false
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (isStopping) return
    isStopping = true
    log.info('stopping', { signal })
    tandem.close().then(
      () => process.exit(0),
      () => process.exit(1),
    )
  })
}
