// Maps the frames of a V8 CPU profile taken from a bundle (dist/server/main.js, built with a
// linked source map by server/build.ts) back to the TypeScript files and lines they came from,
// so profile summaries group time by server/ and shared/ folders as they did under tsx.
import { existsSync, readFileSync } from 'node:fs'
import { SourceMap } from 'node:module'
import { dirname, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

/** The part of a profile frame this needs (V8 positions are 0-based). */
export interface ProfileFrame {
  callFrame: { url: string; lineNumber: number; columnNumber?: number }
}

/**
 * Rewrites, in place, every frame whose script has a `<script>.map` beside it to its original
 * file URL and line. Frames without a map, or outside it, are left as they are.
 */
export function mapFramesToSources(nodes: readonly ProfileFrame[]): void {
  const maps = new Map<string, { map: SourceMap; dir: string } | null>()
  const mapOf = (url: string) => {
    if (!maps.has(url)) {
      const file = url.startsWith('file:') ? fileURLToPath(url) : undefined
      const mapFile = file && `${file}.map`
      maps.set(
        url,
        mapFile && existsSync(mapFile)
          ? { map: new SourceMap(JSON.parse(readFileSync(mapFile, 'utf8'))), dir: dirname(mapFile) }
          : null,
      )
    }
    return maps.get(url) ?? null
  }
  for (const { callFrame } of nodes) {
    const found = mapOf(callFrame.url)
    if (!found || callFrame.lineNumber < 0) continue
    const entry = found.map.findEntry(callFrame.lineNumber, callFrame.columnNumber ?? 0)
    if (!('originalSource' in entry)) continue
    callFrame.url = pathToFileURL(resolve(found.dir, entry.originalSource)).href
    callFrame.lineNumber = entry.originalLine
    callFrame.columnNumber = entry.originalColumn
  }
}
