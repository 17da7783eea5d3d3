/**
 * npm run bench: measures on this machine and prints one table (also bench/results/latest.json).
 * Traffic goes to 127.0.0.1 only and every measurement is bounded in time.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import os from 'node:os'
import { benchNlu } from './nlu.js'
import { benchStartup } from './startup.js'
import { fmt, summarise } from './stats.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
const knowledgeDir = path.join(root, 'knowledge')
const intentsDir = path.join(root, 'intents')
const rows: Array<[string, string, string]> = []
const results: Record<string, unknown> = { machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, memGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version }, at: new Date().toISOString() }

for (const factor of [1, 10, 50]) {
  const runs = Array.from({ length: factor === 50 ? 2 : 3 }, () => benchNlu(knowledgeDir, intentsDir, factor, factor === 50 ? 50 : 200))
  const median = summarise(runs.map((r) => r.perMessageUs.median))
  const p99 = summarise(runs.map((r) => r.perMessageUs.p99))
  const train = summarise(runs.map((r) => r.trainMs))
  results[`nlu_${factor}x`] = runs
  rows.push([`NLU per message, ${factor}x knowledge (${runs[0]!.intents} intents, ${runs[0]!.examples} examples)`, `median ${fmt(median.median / 1000, 3)} ms, p99 ${fmt(p99.median / 1000, 3)} ms`, `spread of medians ${fmt(median.min / 1000, 3)}-${fmt(median.max / 1000, 3)} ms; train ${fmt(train.median, 0)} ms`])
}

const startups: number[] = []
for (let i = 0; i < 3; i++) startups.push(await benchStartup(root, 3900 + i))
const s = summarise(startups)
results.startup_ms = startups
rows.push(['Startup to healthy (embedded storage)', `median ${fmt(s.median, 0)} ms`, `spread ${fmt(s.min, 0)}-${fmt(s.max, 0)} ms over ${s.n} runs`])

const width = [Math.max(...rows.map((r) => r[0].length)), Math.max(...rows.map((r) => r[1].length))]
console.log(`\nNightDesk benchmark — ${os.cpus().length} cores, ${os.cpus()[0]?.model}, Node ${process.version}\n`)
for (const r of rows) console.log(`${r[0].padEnd(width[0]!)}  ${r[1].padEnd(width[1]!)}  ${r[2]}`)
mkdirSync(path.join(root, 'bench', 'results'), { recursive: true })
writeFileSync(path.join(root, 'bench', 'results', 'latest.json'), JSON.stringify(results, null, 2))
console.log('\nwritten bench/results/latest.json')
