// Builds the server for plain `node` with esbuild: server/main.ts and server/cli.ts bundled for
// Node 20 as ES modules into dist/server/ (main.js, cli.js, each with a linked source map), so a
// start loads one precompiled file instead of transpiling ~100 modules through tsx (S5 restart).
// npm packages (better-sqlite3's native binding, ws, express, …) stay external and load from
// node_modules. Run: `npm run build` (both bundles) or `tsx server/build.ts` (the server only).

import { build, type BuildOptions } from 'esbuild'
import { mkdir, rename, writeFile } from 'node:fs/promises'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const serverDir = dirname(fileURLToPath(import.meta.url))
const rootDir = dirname(serverDir)

/** Where the server bundles go; `npm start` runs `node dist/server/main.js`. */
export const serverDistDir = join(rootDir, 'dist', 'server')

/** The entry points, relative to server/, each bundled to dist/server/<name>.js. */
export const serverEntries = ['main.ts', 'cli.ts'] as const

/**
 * A Node 20 ES-module bundle whose npm packages load from node_modules at run time: native
 * addons cannot be bundled, and the rest starts as fast from there. The benchmark's peer
 * wrappers are built the same way (e2e/bench/lib/compile.ts).
 */
export const nodeBundleOptions = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
} as const satisfies BuildOptions

const options: BuildOptions = {
  ...nodeBundleOptions,
  entryPoints: serverEntries.map((entry) => join(serverDir, entry)),
  outdir: serverDistDir,
  sourcemap: 'linked',
  // Absolute source paths in the map would tie it to this checkout; relative ones follow it.
  sourceRoot: '',
  legalComments: 'none',
  logLevel: 'warning',
  write: false,
}

/**
 * Bundles the server entries into {@link serverDistDir}. Each file is written beside its target
 * and renamed over it, so a server starting meanwhile loads either the old or the new bundle.
 * Returns one line per bundle (path and size).
 */
export async function buildServer(): Promise<string[]> {
  const result = await build(options)
  await mkdir(serverDistDir, { recursive: true })
  await Promise.all(
    result.outputFiles!.map(async (file) => {
      const temporary = `${file.path}.${process.pid}.tmp`
      await writeFile(temporary, file.contents)
      await rename(temporary, file.path)
    }),
  )
  return result
    .outputFiles!.filter((file) => file.path.endsWith('.js'))
    .map(
      (f) =>
        `  ${relative(rootDir, f.path).padEnd(34)} ${(f.contents.length / 1024).toFixed(1)} kB`,
    )
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const lines = await buildServer()
  process.stdout.write(`server bundles:\n${lines.join('\n')}\n`)
}
