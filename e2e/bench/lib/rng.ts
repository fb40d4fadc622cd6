// A small seeded PRNG (mulberry32) so benchmark layouts and randomised tests repeat from run to run.

/** Returns a function yielding floats in [0, 1) from `seed`. */
export function createRng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

/** Picks `k` distinct integers from [0, n) with `rng`. */
export function pickDistinct(rng: () => number, n: number, k: number): number[] {
  const chosen = new Set<number>()
  while (chosen.size < Math.min(k, n)) chosen.add(Math.floor(rng() * n))
  return [...chosen]
}

/** Splits `items` into `parts` nearly equal consecutive slices. */
export function split<T>(items: T[], parts: number): T[][] {
  const out: T[][] = []
  const size = Math.ceil(items.length / parts)
  for (let i = 0; i < parts; i++) out.push(items.slice(i * size, (i + 1) * size))
  return out.filter((p) => p.length > 0)
}

/** Resolves after `ms` (pacing a load generator or a settle window, never to wait for state). */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Polls `fn` every `intervalMs` until it returns true or `timeoutMs` passes; returns the last result. */
export async function waitFor(
  fn: () => Promise<boolean> | boolean,
  timeoutMs: number,
  intervalMs = 50,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await fn()) return true
    if (Date.now() >= deadline) return false
    await delay(intervalMs)
  }
}
