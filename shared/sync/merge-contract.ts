// The merge contract (DESIGN §6, merge.ts) as a checker, for property tests: given an ancestor
// and each side's edit in terms of ancestor positions, with every character unique, it says
// which rule a merged text breaks, per character. Test support only.

import type { Hunk } from '../mobwrite/delta.ts'

/** One side's edit of an ancestor: deleted ancestor positions and text inserted at gaps. */
export interface SideModel {
  readonly deleted: ReadonlySet<number>
  /** Gap (0..ancestor.length) → inserted text. */
  readonly inserts: ReadonlyMap<number, string>
}

/** The text a side's edit gives. */
export function applyModel(ancestor: string, side: SideModel): string {
  let out = ''
  for (let p = 0; p <= ancestor.length; p++) {
    out += side.inserts.get(p) ?? ''
    if (p < ancestor.length && !side.deleted.has(p)) out += ancestor[p]
  }
  return out
}

/**
 * The first rule `merged` breaks, or null: ancestor characters at most once, in order, present
 * exactly when no side deleted them; inserted characters exactly once, each side's run at a gap
 * contiguous and in order, between the ancestor characters around its gap.
 */
export function contractViolation(
  ancestor: string,
  sides: readonly SideModel[],
  merged: string,
): string | null {
  const at = new Map<string, number>()
  for (let k = 0; k < merged.length; k++) {
    const c = merged[k] as string
    if (at.has(c)) return `${JSON.stringify(c)} appears twice`
    at.set(c, k)
  }
  const known = new Set<string>(ancestor)
  let last = -1
  for (let p = 0; p < ancestor.length; p++) {
    const c = ancestor[p] as string
    const isDeleted = sides.some((s) => s.deleted.has(p))
    const where = at.get(c)
    if (isDeleted && where !== undefined) return `deleted ${JSON.stringify(c)} is back`
    if (!isDeleted && where === undefined) return `kept ${JSON.stringify(c)} was lost`
    if (where !== undefined) {
      if (where < last) return `${JSON.stringify(c)} moved`
      last = where
    }
  }
  for (const side of sides) {
    for (const [gap, run] of side.inserts) {
      for (const c of run) known.add(c)
      const start = at.get(run[0] as string)
      if (start === undefined || merged.slice(start, start + run.length) !== run)
        return `run ${JSON.stringify(run)} is not whole`
      // Between the surviving ancestor characters around its gap.
      for (let p = 0; p < ancestor.length; p++) {
        const where = at.get(ancestor[p] as string)
        if (where === undefined) continue
        if (p < gap ? where > start : where < start)
          return `run ${JSON.stringify(run)} left its gap ${gap}`
      }
    }
  }
  for (const c of merged) if (!known.has(c)) return `${JSON.stringify(c)} came from nowhere`
  return null
}

/**
 * A side's edit as hunks, exactly as modelled: deleted runs split at insertion gaps, an insertion
 * at the start of a deleted run joined to it (a replacement).
 */
export function modelHunks(ancestor: string, side: SideModel): Hunk[] {
  const runs: { start: number; end: number; text: string }[] = []
  for (let p = 0; p < ancestor.length; p++) {
    if (!side.deleted.has(p)) continue
    const last = runs[runs.length - 1]
    if (last && last.end === p && !side.inserts.has(p)) last.end++
    else runs.push({ start: p, end: p + 1, text: '' })
  }
  const hunks: Hunk[] = []
  for (const [gap, text] of side.inserts) {
    const run = runs.find((r) => r.start === gap)
    if (run) run.text = text
    else hunks.push({ start: gap, end: gap, text })
  }
  return [...hunks, ...runs].sort((a, b) => a.start - b.start || a.end - b.end)
}
