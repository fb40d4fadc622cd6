// Summarizes a V8 CPU profile (`node --cpu-prof`, see run.ts --profile): self time by function
// and by file, heaviest first. Usage: tsx e2e/bench/profile.ts <file.cpuprofile> [top=25]
import { readFileSync } from 'node:fs'
import { mapFramesToSources } from './lib/source-maps.ts'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  hitCount?: number
}

interface Profile {
  nodes: ProfileNode[]
  startTime: number
  endTime: number
  samples: number[]
  timeDeltas: number[]
}

/** Self time in ms per key (function or file), heaviest first. */
export function selfTimes(profile: Profile, keyOf: (n: ProfileNode) => string): [string, number][] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const totals = new Map<string, number>()
  profile.samples.forEach((id, i) => {
    const node = byId.get(id)
    if (!node) return
    const key = keyOf(node)
    totals.set(key, (totals.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000)
  })
  return [...totals].sort((a, b) => b[1] - a[1])
}

const shortUrl = (url: string): string =>
  url.replace(/^file:\/\/.*?\/(node_modules|server|shared)\//, '$1/') || '(native)'

/** Groups a frame by package (node_modules/<pkg>), Tandem folder, Node core, or V8 bucket. */
export function areaOf(n: ProfileNode): string {
  const url = n.callFrame.url
  if (!url) return n.callFrame.functionName.startsWith('(') ? n.callFrame.functionName : '(native)'
  if (url.startsWith('node:')) return 'node core'
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)
  if (pkg) return `node_modules/${pkg[1]}`
  const own = /\/(server|shared)\/([^/]+)/.exec(url)
  return own ? `${own[1]}/${own[2]}` : url
}

function main(): void {
  const [file, top = '25'] = process.argv.slice(2)
  if (!file) throw new RangeError('usage: tsx e2e/bench/profile.ts <file.cpuprofile> [top]')
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile
  mapFramesToSources(profile.nodes)
  const total = (profile.endTime - profile.startTime) / 1000
  const show = (title: string, rows: [string, number][]): void => {
    console.log(`\n${title}`)
    for (const [k, ms] of rows.slice(0, Number(top)))
      console.log(
        `${ms.toFixed(0).padStart(8)} ms ${((100 * ms) / total).toFixed(1).padStart(5)}%  ${k}`,
      )
  }
  console.log(`profile ${file}: ${total.toFixed(0)} ms wall`)
  show(
    'self time by function',
    selfTimes(
      profile,
      (n) =>
        `${n.callFrame.functionName || '(anonymous)'} ${shortUrl(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`,
    ),
  )
  show(
    'self time by file',
    selfTimes(profile, (n) => shortUrl(n.callFrame.url)),
  )
  show('self time by area', selfTimes(profile, areaOf))
}

if (process.argv[1]?.endsWith('profile.ts')) main()
