/**
 * Summarises V8 CPU profiles (`node --cpu-prof`, or `pnpm bench --cpu-prof-dir DIR`): self time
 * by function and by package, as Markdown tables; with `--total PATTERN`, also the total time
 * (self plus callees) of the functions whose name or file contains PATTERN.
 *
 *   node --import tsx packages/bench/src/profile-summary.ts DIR-or-FILES… [--top 20]
 *     [--total packages/engine]
 *
 * Native frames (V8 built-ins such as `JSON.stringify`, and Node's C++ bindings) have no source
 * file; in the package table their time goes to the nearest caller that has one, so that
 * "holdpoint" includes the serialising it asks for. The function table keeps them separate.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { isMain } from './tool-main.js'
import { parseArgs } from 'node:util'

interface CallFrame {
  functionName: string
  url: string
  lineNumber: number
}

interface ProfileNode {
  id: number
  callFrame: CallFrame
  children?: number[]
}

/** The parts of a `.cpuprofile` file this reads. */
export interface CpuProfile {
  nodes: ProfileNode[]
  startTime: number
  endTime: number
  samples: number[]
  timeDeltas: number[]
}

/** Self time in microseconds, by function and by package; and total time by function. */
export interface SelfTimes {
  totalUs: number
  idleUs: number
  byFunction: Map<string, number>
  byPackage: Map<string, number>
  /** Time with the function anywhere on the stack, counted once per sample even if recursive. */
  inclusiveByFunction: Map<string, number>
}

const SPECIAL = new Set(['(idle)', '(program)', '(garbage collector)', '(root)'])

/** Adds one profile's self times to `into` (a sample lasts until the next one is taken). */
export function addProfile(profile: CpuProfile, into: SelfTimes): void {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]))
  const parents = new Map<number, number>()
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parents.set(child, node.id)
  let at = profile.startTime
  const stamps = profile.timeDeltas.map((delta) => (at += delta))
  profile.samples.forEach((id, i) => {
    const node = nodes.get(id)
    if (!node) return
    const duration = (stamps[i + 1] ?? profile.endTime) - (stamps[i] as number)
    if (duration <= 0) return
    into.totalUs += duration
    const name = node.callFrame.functionName
    if (name === '(idle)') {
      into.idleUs += duration
      return
    }
    add(into.byFunction, functionKey(node.callFrame), duration)
    add(into.byPackage, packageOf(sourceFrame(node, nodes, parents)), duration)
    const onStack = new Set<string>()
    for (let frame: ProfileNode | undefined = node; frame;) {
      onStack.add(functionKey(frame.callFrame))
      const parent = parents.get(frame.id)
      frame = parent === undefined ? undefined : nodes.get(parent)
    }
    for (const key of onStack) add(into.inclusiveByFunction, key, duration)
  })
}

function sourceFrame(
  node: ProfileNode,
  nodes: Map<number, ProfileNode>,
  parents: Map<number, number>,
): CallFrame {
  if (SPECIAL.has(node.callFrame.functionName)) return node.callFrame
  let current: ProfileNode | undefined = node
  while (current && current.callFrame.url === '') {
    const parent = parents.get(current.id)
    current = parent === undefined ? undefined : nodes.get(parent)
  }
  return current?.callFrame ?? node.callFrame
}

function functionKey(frame: CallFrame): string {
  if (SPECIAL.has(frame.functionName)) return frame.functionName
  const name = frame.functionName || '(anonymous)'
  if (frame.url === '') return `${name} (native)`
  // Files compiled on the fly (tsx) report every function on line 1; leave the line out there.
  const line = frame.lineNumber > 0 ? `:${frame.lineNumber + 1}` : ''
  return `${name} ${shortUrl(frame.url)}${line}`
}

/** The package a source URL belongs to: an npm package, a workspace package, or Node itself. */
export function packageOf(frame: CallFrame): string {
  const { url, functionName } = frame
  if (SPECIAL.has(functionName)) return functionName
  if (url === '') return '(native)'
  if (url.startsWith('node:')) return 'node (built-in modules)'
  // The only WebAssembly a Holdpoint process runs is PGlite's Postgres.
  if (url.startsWith('wasm://')) return '@electric-sql/pglite (wasm)'
  const modules = url.lastIndexOf('/node_modules/')
  if (modules >= 0) {
    const parts = url.slice(modules + '/node_modules/'.length).split('/')
    return parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] ?? url)
  }
  const workspace = /\/packages\/([^/]+)\//.exec(url)
  if (workspace) return workspace[1] === 'engine' ? 'holdpoint' : `@holdpoint/${workspace[1]}`
  return '(other)'
}

function shortUrl(url: string): string {
  const modules = url.lastIndexOf('/node_modules/')
  if (modules >= 0) return url.slice(modules + '/node_modules/'.length)
  const workspace = url.indexOf('/packages/')
  if (workspace >= 0) return url.slice(workspace + 1)
  return url.replace(/^file:\/\//, '')
}

function add(map: Map<string, number>, key: string, us: number): void {
  map.set(key, (map.get(key) ?? 0) + us)
}

/**
 * Markdown tables of the top entries, as shares of busy (non-idle) time; with `totalPattern`, a
 * table of total times for the functions whose key contains it.
 */
export function formatSummary(times: SelfTimes, top: number, totalPattern?: string): string {
  const busy = times.totalUs - times.idleUs
  const pct = (us: number): string => `${((100 * us) / busy).toFixed(1)}%`
  const ms = (us: number): string => (us / 1000).toFixed(0)
  const table = (
    title: string,
    map: Map<string, number>,
    limit: number,
    kind = 'self',
  ): string[] => [
    `| ${title} | ${kind} ms | share of busy |`,
    '| --- | ---: | ---: |',
    ...[...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([key, us]) => `| \`${key.replaceAll('|', '\\|')}\` | ${ms(us)} | ${pct(us)} |`),
  ]
  return [
    `Sampled ${ms(times.totalUs)} ms: busy ${ms(busy)} ms, idle (waiting on I/O) ` +
      `${ms(times.idleUs)} ms (${((100 * times.idleUs) / times.totalUs).toFixed(1)}% of all).`,
    '',
    ...table('package (native frames charged to their caller)', times.byPackage, top),
    '',
    ...table('function', times.byFunction, top),
    ...(totalPattern === undefined
      ? []
      : [
          '',
          ...table(
            `function matching "${totalPattern}", self + callees`,
            new Map([...times.inclusiveByFunction].filter(([key]) => key.includes(totalPattern))),
            top,
            'total',
          ),
        ]),
  ].join('\n')
}

function profileFiles(paths: readonly string[]): string[] {
  return paths.flatMap((path) =>
    statSync(path).isDirectory()
      ? readdirSync(path)
          .filter((f) => f.endsWith('.cpuprofile'))
          .map((f) => join(path, f))
      : [path],
  )
}

function main(): void {
  const { values, positionals } = parseArgs({
    options: { top: { type: 'string', default: '20' }, total: { type: 'string' } },
    allowPositionals: true,
  })
  const files = profileFiles(positionals)
  if (files.length === 0) {
    throw new Error(
      'Usage: profile-summary.ts DIR-or-FILE.cpuprofile… [--top 20] [--total PATTERN]',
    )
  }
  const times: SelfTimes = {
    totalUs: 0,
    idleUs: 0,
    byFunction: new Map(),
    byPackage: new Map(),
    inclusiveByFunction: new Map(),
  }
  for (const file of files) addProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, times)
  const summary = formatSummary(times, Number(values.top), values.total)
  process.stdout.write(`${files.length} profile(s). ${summary}\n`)
}

// Run only as a script, so that the functions above can be imported.
if (isMain(import.meta.url)) main()
