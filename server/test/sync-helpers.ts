// Helpers for the sync tests: polling with a deadline (no sleeps) and temp folders.

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * Calls `check` every `intervalMs` until it stops throwing (and its promise resolves), then
 * returns its value. Fails with the last error once `timeoutMs` has passed.
 */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  opts: { timeoutMs: number; intervalMs?: number },
): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs
  for (;;) {
    try {
      return await check()
    } catch (err) {
      if (Date.now() >= deadline) throw err
    }
    await new Promise((resolve) => setTimeout(resolve, opts.intervalMs ?? 20))
  }
}

/** A fresh temp folder, removed when the test ends. */
export function tempDir(t: { after: (fn: () => void) => void }, prefix = 'tandem-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}
