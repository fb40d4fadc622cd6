// Builds the browser bundles into dist/web/ with esbuild and prints each bundle's size.
// Run: `npm run build` (tsx web/build.ts). Layout: dist/web/embed.js (the widget, served at
// /embed.js), dist/web/assets/* (page scripts, CSS, icon), dist/web/pages/*.html.

import { build, type BuildOptions } from 'esbuild'
import { copyFile, mkdir, readFile, rm } from 'node:fs/promises'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'

const webDir = dirname(fileURLToPath(import.meta.url))
const rootDir = dirname(webDir)
/** Where the build writes; server/http/static.ts serves from here. */
export const distDir = join(rootDir, 'dist', 'web')

const common: BuildOptions = {
  bundle: true,
  minify: true,
  sourcemap: 'linked',
  target: ['chrome100', 'firefox100', 'safari15'],
  legalComments: 'none',
  logLevel: 'warning',
}

const bundles: readonly BuildOptions[] = [
  // The widget: one classic script defining the global `Tandem`.
  {
    entryPoints: [join(webDir, 'widget/embed.ts')],
    outfile: join(distDir, 'embed.js'),
    format: 'iife',
    globalName: 'Tandem',
  },
  {
    entryPoints: [join(webDir, 'widget/demo.ts')],
    outfile: join(distDir, 'assets/embed-demo.js'),
    format: 'iife',
  },
  {
    entryPoints: [join(webDir, 'editor/main.ts')],
    outfile: join(distDir, 'assets/editor.js'),
    format: 'esm',
  },
  {
    entryPoints: [join(webDir, 'editor/home.ts')],
    outfile: join(distDir, 'assets/home.js'),
    format: 'esm',
  },
]

const copies: readonly [string, string][] = [
  ['editor/style.css', 'assets/style.css'],
  ['editor/favicon.svg', 'assets/favicon.svg'],
  ['editor/index.html', 'pages/index.html'],
  ['editor/doc.html', 'pages/doc.html'],
  ['widget/demo.html', 'pages/embed-demo.html'],
]

async function sizeLine(file: string): Promise<string> {
  const bytes = await readFile(file)
  const kb = (n: number): string => `${(n / 1024).toFixed(1)} kB`
  return `  ${relative(rootDir, file).padEnd(34)} ${kb(bytes.length).padStart(9)}  (${kb(gzipSync(bytes).length)} gzip)`
}

/** Build every bundle and copy the pages; returns the size report lines. `extra` adds options. */
export async function buildWeb(extra: BuildOptions = {}): Promise<string[]> {
  await rm(distDir, { recursive: true, force: true })
  await Promise.all(bundles.map((options) => build({ ...common, ...extra, ...options })))
  await Promise.all(
    copies.map(async ([from, to]) => {
      await mkdir(dirname(join(distDir, to)), { recursive: true })
      await copyFile(join(webDir, from), join(distDir, to))
    }),
  )
  return Promise.all(bundles.map((options) => sizeLine(options.outfile!)))
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const lines = await buildWeb()
  process.stdout.write(`web bundles:\n${lines.join('\n')}\n`)
}
