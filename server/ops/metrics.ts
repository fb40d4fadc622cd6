// A tiny Prometheus metrics registry: counters, gauges and histograms with labels, rendered in
// the text exposition format 0.0.4. No I/O here; server/http/metrics.ts serves it.

/** Label values of one series, by label name. */
export type Labels = Readonly<Record<string, string>>

type Kind = 'counter' | 'gauge' | 'histogram'

interface Family {
  readonly name: string
  readonly help: string
  readonly kind: Kind
  render(): string[]
}

/** A monotonically increasing count. */
export interface Counter {
  inc(labels?: Labels, by?: number): void
  get(labels?: Labels): number
}

/** A value that goes up and down, or is read when scraped (`collect`). */
export interface Gauge {
  set(value: number, labels?: Labels): void
  get(labels?: Labels): number
}

/** Observations counted into cumulative buckets (upper bounds in the metric's unit). */
export interface Histogram {
  observe(value: number, labels?: Labels): void
  /** How many observations were made with these labels. */
  count(labels?: Labels): number
}

/** Default latency buckets in seconds (Prometheus client defaults, plus finer low end). */
export const secondsBuckets = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
] as const

const namePattern = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/

// Callers on hot paths pass the same frozen label objects again and again: their key is kept.
const frozenKeys = new WeakMap<Labels, string>()

function keyOf(labels: Labels | undefined): string {
  if (!labels) return ''
  let key = frozenKeys.get(labels)
  if (key !== undefined) return key
  key = Object.keys(labels)
    .sort()
    .map((k) => `${k}="${escapeLabel(labels[k] ?? '')}"`)
    .join(',')
  if (Object.isFrozen(labels)) frozenKeys.set(labels, key)
  return key
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')
}

function series(name: string, key: string, value: number, extra = ''): string {
  const labels = [key, extra].filter(Boolean).join(',')
  return `${name}${labels ? `{${labels}}` : ''} ${formatNumber(value)}`
}

function formatNumber(value: number): string {
  if (Number.isNaN(value)) return 'NaN'
  if (value === Infinity) return '+Inf'
  if (value === -Infinity) return '-Inf'
  return String(value)
}

/** A set of metric families; `render()` is the `/metrics` body. */
export class MetricsRegistry {
  readonly #families = new Map<string, Family>()
  readonly #collectors: Array<() => void> = []

  /** Runs `fn` before every render (to refresh gauges read from elsewhere). */
  onCollect(fn: () => void): void {
    this.#collectors.push(fn)
  }

  /** Creates a counter; names end in `_total` by convention. */
  counter(name: string, help: string): Counter {
    const values = new Map<string, number>()
    this.#add({ name, help, kind: 'counter', render: () => renderValues(name, values) })
    return {
      inc(labels, by = 1) {
        if (by < 0) throw new RangeError(`Counter ${name} can only go up, got ${by}`)
        const key = keyOf(labels)
        values.set(key, (values.get(key) ?? 0) + by)
      },
      get: (labels) => values.get(keyOf(labels)) ?? 0,
    }
  }

  /** Creates a gauge. */
  gauge(name: string, help: string): Gauge {
    const values = new Map<string, number>()
    this.#add({ name, help, kind: 'gauge', render: () => renderValues(name, values) })
    return {
      set: (value, labels) => void values.set(keyOf(labels), value),
      get: (labels) => values.get(keyOf(labels)) ?? 0,
    }
  }

  /** Creates a histogram with the given bucket upper bounds (ascending). */
  histogram(name: string, help: string, buckets: readonly number[] = secondsBuckets): Histogram {
    const bounds = [...buckets].sort((a, b) => a - b)
    const data = new Map<string, { counts: number[]; sum: number; count: number }>()
    const render = () => {
      const lines: string[] = []
      for (const [key, d] of data) {
        bounds.forEach((le, i) =>
          lines.push(series(`${name}_bucket`, key, d.counts[i] ?? 0, `le="${le}"`)),
        )
        lines.push(series(`${name}_bucket`, key, d.count, 'le="+Inf"'))
        lines.push(series(`${name}_sum`, key, d.sum), series(`${name}_count`, key, d.count))
      }
      return lines
    }
    this.#add({ name, help, kind: 'histogram', render })
    return {
      observe(value, labels) {
        const key = keyOf(labels)
        let d = data.get(key)
        if (!d) data.set(key, (d = { counts: bounds.map(() => 0), sum: 0, count: 0 }))
        for (let i = 0; i < bounds.length; i++) {
          if (value <= (bounds[i] ?? Infinity)) d.counts[i] = (d.counts[i] ?? 0) + 1
        }
        d.sum += value
        d.count++
      },
      count: (labels) => data.get(keyOf(labels))?.count ?? 0,
    }
  }

  /** The whole registry in Prometheus text format (ends with a newline). */
  render(): string {
    for (const collect of this.#collectors) collect()
    const lines: string[] = []
    for (const family of this.#families.values()) {
      lines.push(`# HELP ${family.name} ${family.help.replace(/\n/g, ' ')}`)
      lines.push(`# TYPE ${family.name} ${family.kind}`)
      lines.push(...family.render())
    }
    return lines.join('\n') + '\n'
  }

  #add(family: Family): void {
    if (!namePattern.test(family.name)) throw new TypeError(`Invalid metric name ${family.name}`)
    if (this.#families.has(family.name))
      throw new TypeError(`Metric ${family.name} is already registered`)
    this.#families.set(family.name, family)
  }
}

function renderValues(name: string, values: Map<string, number>): string[] {
  return [...values].map(([key, value]) => series(name, key, value))
}
