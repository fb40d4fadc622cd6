// Latency histograms (hdr-histogram-js, as CometD and Etherpad use): recorded in microseconds,
// shipped between processes as compressed base64, summarized in milliseconds.
import * as hdr from 'hdr-histogram-js'

/** A latency histogram in microseconds (1 µs to 10 min, 3 significant digits). */
export type Histogram = hdr.Histogram

/** Creates an empty latency histogram. */
export function createHistogram(): Histogram {
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 600_000_000,
    numberOfSignificantValueDigits: 3,
  })
}

/** Records a latency given in milliseconds (clamped to the histogram's range). */
export function recordMs(h: Histogram, ms: number): void {
  h.recordValue(Math.min(600_000_000, Math.max(1, Math.round(ms * 1000))))
}

/** Encodes a histogram to send it over IPC. */
export function encodeHistogram(h: Histogram): string {
  return hdr.encodeIntoCompressedBase64(h)
}

/** Adds encoded histograms (from several generator processes) into one. */
export function mergeHistograms(encoded: string[]): Histogram {
  const total = createHistogram()
  for (const e of encoded) if (e) total.add(hdr.decodeFromCompressedBase64(e))
  return total
}

/** The latency figures reported in the tables, in milliseconds. */
export interface LatencySummary {
  count: number
  p50: number
  p95: number
  p99: number
  max: number
}

/** Summarizes a histogram in milliseconds. */
export function summarize(h: Histogram): LatencySummary {
  const at = (p: number): number => (h.totalCount ? h.getValueAtPercentile(p) / 1000 : 0)
  return {
    count: h.totalCount,
    p50: at(50),
    p95: at(95),
    p99: at(99),
    max: h.totalCount ? h.maxValue / 1000 : 0,
  }
}

/** Wall-clock time in milliseconds with sub-millisecond resolution, comparable across processes. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now()
}
