// Finds the folder holding Tandem's package.json from a module's URL, so paths to build output
// (dist/web) resolve the same whether the module runs from server/ under tsx or from the
// bundle in dist/server/ (server/build.ts), whose folder depth differs.

import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * The nearest folder at or above the module at `moduleUrl` (an `import.meta.url`) that holds a
 * package.json. Throws when there is none, which means the code was copied out of its package.
 */
export function packageRoot(moduleUrl: string): string {
  const start = dirname(fileURLToPath(moduleUrl))
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir
    if (dirname(dir) === dir) throw new Error(`No package.json above ${start}`)
  }
}
