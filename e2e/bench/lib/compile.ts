// Precompiles a benchmark server written in TypeScript (a peer's wrapper in e2e/bench/servers)
// into plain JavaScript for `node`, as server/build.ts does for Tandem, so that every contender
// starts without tsx and S5's restart times compare servers, not loaders.
import { build } from 'esbuild'
import { basename, join, relative } from 'node:path'
import { nodeBundleOptions } from '../../../server/build.ts'
import { repoRoot } from './procs.ts'

const built = new Map<string, Promise<string>>()

/**
 * Bundles `entry` (relative to the repository root) with its npm packages left external into
 * e2e/bench/tmp/servers/<name>.js, once per process; resolves with the output path relative to
 * the root, ready for `startServer`.
 */
export function compiledServer(entry: string): Promise<string> {
  let output = built.get(entry)
  if (!output) {
    const outfile = join(repoRoot, 'e2e/bench/tmp/servers', basename(entry).replace(/\.ts$/, '.js'))
    output = build({
      ...nodeBundleOptions,
      entryPoints: [join(repoRoot, entry)],
      outfile,
      logLevel: 'warning',
    }).then(() => relative(repoRoot, outfile))
    built.set(entry, output)
  }
  return output
}
