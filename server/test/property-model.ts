// The property suite's record of what every person did, character by character, and the
// invariants of issue 13 checked against it. Every character of a case is unique (base letters,
// each peer's own script, unique white space), so "where it was" and "how often" are exact.

import type { AnswerNote, Peer } from './property-peers.ts'

/** An edit as generated: resolved against the peer's text when it runs. */
export interface EditSpec {
  readonly kind: 'typeAt' | 'typeIn' | 'continue' | 'typeAtPeer' | 'delete' | 'replaceWord'
  /** Picks the place (a fraction of the candidates). */
  readonly at: number
  /** Letters typed, or characters deleted. */
  readonly count: number
  /** Whether the typed run ends with a (unique) white space. */
  readonly space: boolean
}

interface CharInfo {
  /** -1: the ancestor (base text); otherwise the peer that typed it. */
  readonly author: number
  readonly op: number
  /** Neighbours in the author's text when it was typed (null: the text's edge). */
  readonly left: string | null
  readonly right: string | null
  /** The author's text just before typing it. */
  readonly seen: string
}

interface OpRecord {
  readonly peer: number
  readonly text: string
  /** Client version of the delta that carried it; 'raw' when it rode in a raw dump. */
  version?: number | 'raw' | null
  isAcked: boolean
}

// Letters per peer from scripts of their own, so counterexamples are readable.
const scripts = [0x4e00, 0xac00, 0xa000, 0x1401]
const baseLetters = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'
// White space a word merge treats as white space (\s), each usable once per case.
const spaces =
  ' \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000'

/** Shows a character so that white space is visible in a report. */
export const show = (text: string) =>
  [...text]
    .map((c) =>
      /\s/.test(c) ? `␣${spaces.indexOf(c)}` : c < ' ' ? JSON.stringify(c).slice(1, -1) : c,
    )
    .join('')

/** A base text of `words` (letter counts) with unique letters and unique spaces. */
export function baseText(words: readonly number[]): string {
  let next = 0
  return words
    .map((n, i) => baseLetters.slice(next, (next += n)) + (i < words.length - 1 ? spaces[i] : ''))
    .join('')
}

/** The history of one case and the checks over it. */
export class History {
  readonly chars = new Map<string, CharInfo>()
  readonly ops: OpRecord[] = []
  readonly log: string[] = []
  private readonly deleted = new Map<string, number[]>()
  private readonly pending: number[][]
  private readonly lastTyped: (string | null)[]
  private readonly typedCount: number[]
  private spaceCount: number
  /** Per peer: characters its own fuzzy patching lost, kept, or moved (the original client). */
  readonly excused = {
    lost: new Set<string>(),
    back: new Set<string>(),
    moved: new Set<string>(),
    junk: new Set<string>(),
  }
  private readonly dirtyPatched: Set<string>[]

  constructor(
    readonly base: string,
    readonly peers: readonly Peer[],
  ) {
    for (const c of base)
      this.chars.set(c, { author: -1, op: -1, left: null, right: null, seen: '' })
    this.pending = peers.map(() => [])
    this.lastTyped = peers.map(() => null)
    this.typedCount = peers.map(() => 0)
    this.dirtyPatched = peers.map(() => new Set())
    this.spaceCount = [...base].filter((c) => /\s/.test(c)).length
  }

  private name = (p: number) => `${'ABCD'[p]}(${this.peers[p]!.kind})`

  private fresh(p: number, space: boolean, count: number): string {
    let run = ''
    for (let i = 0; i < count; i++) run += String.fromCharCode(scripts[p]! + this.typedCount[p]!++)
    if (space && this.spaceCount < spaces.length) run += spaces[this.spaceCount++]
    return run
  }

  private place(p: number, spec: EditSpec): number {
    const text = this.peers[p]!.text
    const anywhere = Math.floor(spec.at * (text.length + 1))
    const after = (c: string | null | undefined) =>
      c && text.includes(c) ? text.indexOf(c) + 1 : -1
    if (spec.kind === 'typeAt') {
      // An ancestor place: two peers choosing the same one type at the same caret.
      const k = Math.floor(spec.at * (this.base.length + 1))
      const at = k === 0 ? 0 : after(this.base[k - 1])
      return at >= 0 ? at : anywhere
    }
    if (spec.kind === 'continue') {
      const at = after(this.lastTyped[p])
      return at >= 0 ? at : anywhere
    }
    if (spec.kind === 'typeAtPeer') {
      const others = this.peers.map((_, i) => i).filter((i) => i !== p)
      const other = others[Math.floor(spec.at * others.length)] ?? p
      const at = after(this.lastTyped[other])
      return at >= 0 ? at : anywhere
    }
    return anywhere
  }

  private insert(p: number, at: number, run: string, op: number): void {
    const peer = this.peers[p]!
    let text = peer.text
    for (const [i, c] of [...run].entries()) {
      const pos = at + i
      const left = text[pos - 1] ?? null
      this.chars.set(c, { author: p, op, left, right: text[pos] ?? null, seen: text })
      text = text.slice(0, pos) + c + text.slice(pos)
    }
    peer.text = text
    if (run) this.lastTyped[p] = run.at(-1) ?? null
  }

  private remove(p: number, from: number, to: number, op: number): string {
    const peer = this.peers[p]!
    const gone = peer.text.slice(from, to)
    for (const c of gone) this.deleted.set(c, [...(this.deleted.get(c) ?? []), op])
    peer.text = peer.text.slice(0, from) + peer.text.slice(to)
    return gone
  }

  /** Runs one edit on peer `p`'s local text and records it. */
  edit(p: number, spec: EditSpec): void {
    const peer = this.peers[p]!
    const op = this.ops.length
    const before = peer.text
    if (spec.kind === 'delete' || spec.kind === 'replaceWord') {
      let from = Math.floor(spec.at * before.length)
      let to = Math.min(before.length, from + spec.count)
      if (spec.kind === 'replaceWord') {
        const words = [...before.matchAll(/\p{L}+/gu)]
        const word = words[Math.floor(spec.at * words.length)]
        if (!word) return
        from = word.index
        to = from + word[0].length
      }
      if (from >= to) return
      const gone = this.remove(p, from, to, op)
      const run = spec.kind === 'replaceWord' ? this.fresh(p, false, spec.count) : ''
      this.insert(p, from, run, op)
      this.describe(p, spec, before, from, `-'${show(gone)}'${run ? ` +'${show(run)}'` : ''}`)
    } else {
      const at = this.place(p, spec)
      const run = this.fresh(p, spec.space, spec.count)
      this.insert(p, at, run, op)
      this.describe(p, spec, before, at, `+'${show(run)}'`)
    }
    this.ops.push({ peer: p, text: peer.text, isAcked: false })
    this.pending[p]!.push(op)
  }

  private describe(p: number, spec: EditSpec, before: string, at: number, what: string): void {
    const context = `'${show(before.slice(0, at))}|${show(before.slice(at))}'`
    this.log.push(`#${this.ops.length + 1} ${this.name(p)} ${spec.kind} at ${context}: ${what}`)
  }

  /** Notes which delta carried the peer's pending edits. */
  built(p: number, version: number | 'raw' | null): void {
    if (version === null) return
    for (const op of this.pending[p]!.splice(0)) this.ops[op]!.version = version
  }

  /** Records what an answer did: acknowledgements and the client's own fuzzy patching. */
  answered(p: number, note: AnswerNote): void {
    const below = note.ackedBelow
    for (const op of this.ops) {
      if (op.peer !== p || below === undefined) continue
      if (typeof op.version === 'number' && op.version < below) op.isAcked = true
    }
    for (const c of note.lost) this.excused.lost.add(c)
    for (const c of note.back) this.excused.back.add(c)
    for (const c of note.misplaced) this.excused.moved.add(c)
    for (const c of note.patchedDirty) this.dirtyPatched[p]!.add(c)
    for (const c of note.junk) this.excused.junk.add(c)
    if (note.lost.length + note.back.length + note.misplaced.length + note.junk.length > 0) {
      this.log.push(
        `  ${this.name(p)} patch_apply: lost '${show(note.lost.join(''))}', ` +
          `kept deleted '${show(note.back.join(''))}', moved '${show(note.misplaced.join(''))}', ` +
          `wrote ${JSON.stringify(note.junk.join(''))}`,
      )
    }
  }

  // Whether a deletion counts: the Tandem client keeps its stack, so all of its edits must
  // arrive; the original client may lose unacknowledged edits by design (its raw resync).
  private counts(op: number): boolean {
    const record = this.ops[op]!
    return this.peers[record.peer]!.kind === 'tandem' || record.isAcked
  }

  private mustSurvive(c: string, info: CharInfo): boolean {
    if (this.excused.lost.has(c)) return false
    if ((this.deleted.get(c) ?? []).length > 0) return false
    return info.author < 0 || this.counts(info.op)
  }

  /** The invariants over a converged `text`; returns the violations, empty when it holds. */
  check(text: string): string[] {
    const bad: string[] = []
    const at = new Map<string, number>()
    for (const [i, c] of [...text].entries()) {
      const isKnown = this.chars.has(c) || this.excused.junk.has(c)
      if (!isKnown) bad.push(`unknown character ${JSON.stringify(c)} at ${i}`)
      if (at.has(c)) bad.push(`'${show(c)}' appears twice (${at.get(c)} and ${i})`)
      else at.set(c, i)
    }
    // Ancestor characters the original client's patching moved are its doing, not the server's.
    const isPlaced = (c: string) => !this.excused.moved.has(c)
    const ancestors = [...text]
      .filter((c) => this.chars.get(c)?.author === -1 && isPlaced(c))
      .join('')
    const kept = [...this.base].filter((c) => at.has(c) && isPlaced(c)).join('')
    if (ancestors !== kept) bad.push(`ancestor order '${show(ancestors)}', was '${show(kept)}'`)
    for (const [c, info] of this.chars) {
      const who = info.author < 0 ? 'ancestor' : `${this.name(info.author)} #${info.op + 1}`
      if (!at.has(c) && this.mustSurvive(c, info)) bad.push(`lost '${show(c)}' (${who})`)
      const deleters = (this.deleted.get(c) ?? []).filter((op) => this.counts(op))
      if (at.has(c) && deleters.length > 0 && !this.excused.back.has(c))
        bad.push(`'${show(c)}' (${who}) deleted by #${deleters.map((d) => d + 1)} came back`)
    }
    bad.push(...this.checkPlaces(at), ...this.checkRuns(text, at))
    return bad
  }

  // A typed character stays between the neighbours it was typed between.
  private checkPlaces(at: Map<string, number>): string[] {
    const bad: string[] = []
    for (const [c, info] of this.chars) {
      const i = at.get(c)
      if (info.author < 0 || i === undefined || this.excused.moved.has(c)) continue
      for (const [side, n] of [
        ['after', info.left],
        ['before', info.right],
      ] as const) {
        const j = n === null ? undefined : at.get(n)
        if (j === undefined || this.excused.moved.has(n!)) continue
        if (side === 'after' ? j > i : j < i)
          bad.push(`'${show(c)}' (#${info.op + 1}) typed ${side} '${show(n!)}' is not`)
      }
    }
    return bad
  }

  // A run one person typed forward stays one run: between two of its consecutive characters
  // there may only be characters whose authors saw the first one (an edit inside the run).
  private checkRuns(text: string, at: Map<string, number>): string[] {
    const bad: string[] = []
    for (const [b, info] of this.chars) {
      const a = info.left
      const ia = a === null ? undefined : at.get(a)
      const ib = at.get(b)
      if (a === null || ia === undefined || ib === undefined || ia > ib) continue
      if (this.chars.get(a)?.author !== info.author) continue
      // One typed on after an excused intruder (its run) is excused with it.
      const excused = new Set<string>()
      const intruders = [...text.slice(ia + 1, ib)].filter((x) => {
        const isExcused = this.sawInside(x, a, info) || excused.has(this.chars.get(x)?.left ?? '')
        if (isExcused) excused.add(x)
        return !isExcused
      })
      if (intruders.length > 0)
        bad.push(
          `run '${show(a)}${show(b)}' of ${this.name(info.author)} split by '${show(intruders.join(''))}'`,
        )
    }
    return bad
  }

  // Whether x may stand inside a run after a: its author saw a, or the original client's fuzzy
  // patching put it there (x patched into the run author's text, or a patched into the text of
  // x's author while that author had edits not yet sent: patch_apply places by context).
  private sawInside(x: string, a: string, run: CharInfo): boolean {
    if (this.excused.moved.has(x) || this.dirtyPatched[run.author]!.has(x)) return true
    const info = this.chars.get(x)
    if (!info || info.author < 0) return false
    if (this.dirtyPatched[info.author]!.has(a)) return true
    return info.seen.includes(a)
  }
}
