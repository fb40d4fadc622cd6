// Helpers for the sync and store tests: temp folders (waitFor lives in harness.ts).

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Identity } from '../auth/identity.ts'

/** An anonymous requester for service-level tests (what an unauthenticated Bayeux client is). */
export const ann: Identity = {
  principal: 'anonymous',
  isAnonymous: true,
  name: 'Ann',
  ip: '127.0.0.1',
  handle: '~Ann:127.0.0.1',
  tokenId: null,
}

/** A fresh temp folder, removed when the test ends. */
export function tempDir(t: { after: (fn: () => void) => void }, prefix = 'tandem-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}
