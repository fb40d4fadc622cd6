// The original MobWrite browser client (npm `mobwrite` 0.0.2: diff_match_patch_uncompressed.js
// and mobwrite_core.js, unmodified), loaded into a Node vm for the suites that drive it.

import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { createContext, runInContext, type Context } from 'node:vm'

const html = join(
  dirname(createRequire(import.meta.url).resolve('mobwrite/package.json')),
  'ext/google-mobwrite/html',
)
const sources = ['diff_match_patch_uncompressed.js', 'mobwrite_core.js'].map((name) =>
  readFileSync(join(html, name), 'utf8'),
)

/** A vm context holding the original client, with `globals` as its page (`window`, …). */
export function loadOriginalClient(globals: Record<string, unknown>): Context {
  const context = createContext({ navigator: { userAgent: 'node' }, ...globals })
  for (const source of sources) runInContext(source, context)
  return context
}
