// The two client halves of the property suite, behind one interface. The Tandem peer is
// shared/sync/client.ts; the original peer runs the unmodified MobWrite client (npm `mobwrite`
// 0.0.2, ext/google-mobwrite/html/: diff_match_patch_uncompressed.js + mobwrite_core.js) in a
// vm context of its own, with a plain string for its text: deltas from diff_main +
// diff_cleanupSemantic + diff_cleanupEfficiency (syncText), server deltas through patch_apply
// (patchClientText), exactly as in a page.

import type { Context } from 'node:vm'
import { fromDelta } from '../../shared/mobwrite/delta.ts'
import { loadOriginalClient } from './original-client.ts'
import DiffMatchPatch from 'diff-match-patch'
import { applyAnswer, buildRequest, createClientView } from '../../shared/sync/client.ts'

/** Which client half a peer runs. */
export type PeerKind = 'tandem' | 'original'

/** What one answer did, as far as the checks need it. */
export interface AnswerNote {
  /** The `F:` version of the file when the answer resynced nothing (no `R:`/`r:`). */
  readonly ackedBelow: number | undefined
  readonly resync: boolean
  /** Characters the client's own patching failed to keep or to add (fuzzy patch_apply). */
  readonly lost: readonly string[]
  /** Characters the server deleted that the client's patching failed to delete. */
  readonly back: readonly string[]
  /** Server characters the client's patching put out of the server's order. */
  readonly misplaced: readonly string[]
  /** Server characters patched in while the client had unsent edits (fuzzy placement). */
  readonly patchedDirty: readonly string[]
  /** Characters nobody typed that the client's patching wrote (patch_apply's padding). */
  readonly junk: readonly string[]
}

/** One simulated editor on one file. */
export interface Peer {
  readonly kind: PeerKind
  readonly user: string
  /** The local text the person sees and edits. */
  text: string
  /**
   * Builds the next request. `version` is the client version of the delta that carries the
   * edits made since the last build, 'raw' when they rode in a raw dump, null when none.
   */
  /**
   * `redeclared`: ancestor characters the request's own delta says it deleted and typed again
   * (the original client's semantic cleanup turns "+가 =a -bc" into "-3 +가a"): the server
   * follows what the delta declares, so such a character is the client's doing.
   */
  build(): { request: string; version: number | 'raw' | null; redeclared?: string[] }
  apply(answer: string): AnswerNote
}

function fileVersionOf(answer: string, file: string): { version?: number; resync: boolean } {
  let current: string | undefined
  let version: number | undefined
  let resync = false
  for (const line of answer.split('\n')) {
    const f = /^[Ff]:(\d+):(.*)$/.exec(line)
    if (f) {
      current = f[2]
      if (current === file) version = Number(f[1])
    } else if (current === file && /^[Rr]:/.test(line)) resync = true
  }
  return { version, resync }
}

/** Characters a delta over `shadow` deletes and types again within one hunk. */
function redeclaredIn(shadow: string, delta: string | undefined): string[] {
  const applied = delta === undefined ? null : fromDelta(shadow, delta)
  if (!applied?.ok) return []
  return applied.value.hunks.flatMap((h) =>
    [...shadow.slice(h.start, h.end)].filter((c) => h.text.includes(c)),
  )
}

const noNotes = { lost: [], back: [], misplaced: [], patchedDirty: [], junk: [] }

/** A peer running the Tandem client half. */
export function createTandemPeer(user: string, file: string): Peer {
  let view = createClientView(file, { mergeChanges: true })
  const peer: Peer = {
    kind: 'tandem',
    user,
    text: '',
    build() {
      const before = view
      const built = buildRequest(user, [view], new Map([[file, peer.text]]))
      view = built.views[0] ?? view
      const last = view.editStack.at(-1)
      const grew = view.editStack.length > 0 && last !== before.editStack.at(-1)
      const version = !before.deltaOk ? 'raw' : grew && last ? last.version : null
      return { request: built.request, version }
    },
    apply(answer) {
      const applied = applyAnswer(answer, [view], new Map([[file, peer.text]]))
      view = applied.views[0] ?? view
      const result = applied.results.get(file)
      if (result) peer.text = result.text
      const { version, resync } = fileVersionOf(answer, file)
      return { ackedBelow: resync ? undefined : version, resync, ...noNotes }
    },
  }
  return peer
}

interface ShareObj {
  shadowText: string
  deltaOk: boolean
  editStack: [number, string][]
  getClientText(): string
  setClientText(text: string): void
  syncText(): string
}

function loadOriginal(): Context {
  const console = { info() {}, warn() {}, error() {}, debug() {} }
  // Timers are the page's business; the suite drives syncs itself.
  const window = { console, setTimeout: () => 0, clearTimeout() {} }
  return loadOriginalClient({ window, console })
}

const dmp = new DiffMatchPatch()

// Server characters the client's text holds out of the server's order (its LCS leftovers).
function outOfOrder(shadow: string, local: string): string[] {
  const inLocal = new Set(local)
  const inShadow = new Set(shadow)
  const a = [...shadow].filter((c) => inLocal.has(c)).join('')
  const b = [...local].filter((c) => inShadow.has(c)).join('')
  if (a === b) return []
  return dmp.diff_main(a, b, false).flatMap(([op, s]) => (op === 0 ? [] : [...s]))
}

/** A peer running the original MobWrite client (core.js) in a vm context. */
export function createOriginalPeer(user: string, file: string): Peer {
  const context = loadOriginal()
  const mobwrite = context['mobwrite'] as {
    shareObj: new (id: string) => ShareObj
    shared: Record<string, ShareObj>
    syncUsername: string
    syncRun2_(text: string): void
  }
  mobwrite.syncUsername = user
  const obj = new mobwrite.shareObj(file)
  const peer: Peer = {
    kind: 'original',
    user,
    text: '',
    build() {
      const wasOk = obj.deltaOk
      const depth = obj.editStack.length
      const shadow = obj.shadowText
      const block = obj.syncText() // what syncRun1_ asks each shared object for
      const last = obj.editStack.at(-1)
      const grew = obj.editStack.length > depth && last
      const version = !wasOk ? 'raw' : grew ? last[0] : null
      const delta = grew ? /^d:\d+:(.*)$/.exec(last[1])?.[1] : undefined
      return { request: `u:${user}\n${block}\n`, version, redeclared: redeclaredIn(shadow, delta) }
    },
    apply(answer) {
      const shadow0 = obj.shadowText
      const local0 = peer.text
      // The gateway's HTTP answer ends in a blank line; syncRun2_ drops any other.
      mobwrite.syncRun2_(answer.endsWith('\n\n') ? answer : answer + '\n')
      const shadow1 = obj.shadowText
      const local1 = peer.text
      const removed = new Set([...shadow0].filter((c) => !shadow1.includes(c)))
      const added = [...shadow1].filter((c) => !shadow0.includes(c))
      const expected = [...[...local0].filter((c) => !removed.has(c)), ...added]
      const { version, resync } = fileVersionOf(answer, file)
      return {
        ackedBelow: resync ? undefined : version,
        resync,
        lost: expected.filter((c) => !local1.includes(c)),
        back: [...removed].filter((c) => local1.includes(c)),
        misplaced: outOfOrder(shadow1, local1),
        patchedDirty: local0 !== shadow0 ? added : [],
        junk: [...local1].filter((c) => !local0.includes(c) && !shadow1.includes(c)),
      }
    },
  }
  obj.getClientText = () => peer.text
  obj.setClientText = (text) => void (peer.text = text)
  mobwrite.shared[file] = obj
  return peer
}
