import { setTimeout as delay } from 'node:timers/promises'
/**
 * npm run bench: measures on this machine and prints one table (also bench/results/latest.json).
 * Servers run in their own process on core 0, the load generator here on core 1; traffic goes to
 * 127.0.0.1 only and every measurement is bounded in time. BENCH_QUICK=1 shortens every run.
 */
import { execFileSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { toYaml } from '../src/knowledge-base/yaml.js'
import { loadKnowledgeBase } from '../src/knowledge-base/load.js'
import { load, type LoadOptions, type LoadResult } from './http.js'
import { benchNlu, scaledKnowledge, type NluBench } from './nlu.js'
import { startServer, type Server } from './servers.js'
import { benchStartup } from './startup.js'
import { fmt, summarise } from './stats.js'
import { chatter, closeAll, openMany } from './ws.js'
import { availableLanguages } from '../src/nlu/language.js'
import { benchRetrain } from './retrain.js'

const quick = process.env.BENCH_QUICK === '1'
// The load generator keeps to core 1; servers are started on core 0 (bench/servers.ts).
if (existsSync('/usr/bin/taskset') && os.cpus().length > 1) {
  execFileSync('/usr/bin/taskset', ['-cp', '1', String(process.pid)], { stdio: 'ignore' })
}
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
const knowledgeDir = path.join(root, 'knowledge')
const intentsDir = path.join(root, 'intents')
const serverJs = path.join(root, 'dist/src/server.js')
const rows: Array<[string, string, string, string]> = []
const languages = availableLanguages(intentsDir).length
const results: Record<string, unknown> = {
  machine: {
    cpus: os.cpus().length,
    model: os.cpus()[0]?.model,
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
  },
  at: new Date().toISOString(),
}
const row = (what: string, value: string, spread: string, target: string) => {
  rows.push([what, value, spread, target])
  console.error(`  ${what}: ${value}`)
}
const runs = quick ? 1 : 3
const seconds = quick ? 3 : 6
// The ceilings and the no-cache run explain the headline figures: two runs each keep the bench short.
const ceilingRuns = quick ? 1 : 2

// 1-2. Chat throughput against bare Fastify, and latency at 50 connections. Each server is warmed up
// (JIT, caches) with untimed load first; its CPU time per request shows where the time goes.
{
  const warmup = quick ? 1 : 2
  const measure = async (
    server: Server,
    opts: Omit<LoadOptions, 'seconds' | 'connections'>,
  ): Promise<LoadResult & { cpuUsPerRequest: number }> => {
    await load(server.url, { ...opts, connections: 50, seconds: warmup, tag: `${opts.tag}w` })
    const cpu = server.cpuMs()
    const r = await load(server.url, { ...opts, connections: 50, seconds })
    return { ...r, cpuUsPerRequest: ((server.cpuMs() - cpu) * 1000) / Math.max(1, r.requests) }
  }
  const hello: Array<LoadResult & { cpuUsPerRequest: number }> = []
  const bare: typeof hello = []
  const stack: typeof hello = []
  const chat: typeof hello = []
  const fresh: typeof hello = []
  for (let r = 0; r < runs; r++) {
    const h = await startServer(path.join(root, 'dist/bench/hello-server.js'), 4200 + r)
    hello.push(await measure(h, { kind: 'hello', tag: `h${r}` }))
    if (r < ceilingRuns) bare.push(await measure(h, { kind: 'chat', tag: `b${r}` }))
    await h.stop()
    if (r < ceilingRuns) {
      const a = await startServer(
        path.join(root, 'dist/bench/app-constant-server.js'),
        4205 + r,
        {},
        languages,
      )
      stack.push(await measure(a, { kind: 'chat', tag: `a${r}`, path: '/bench/constant' }))
      await a.stop()
    }
    const c = await startServer(serverJs, 4210 + r, {}, languages)
    chat.push(await measure(c, { kind: 'chat', tag: `c${r}` }))
    await c.stop()
    if (r < ceilingRuns) {
      const n = await startServer(serverJs, 4215 + r, {}, languages)
      fresh.push(await measure(n, { kind: 'chat-new', tag: `n${r}` }))
      await n.stop()
    }
  }
  results.http = { hello, bareChatSchemas: bare, appConstant: stack, chat, chatNewTexts: fresh }
  const rps = (xs: LoadResult[]) => summarise(xs.map((x) => x.rps))
  const ratio = (xs: LoadResult[]) => summarise(xs.map((x, i) => x.rps / hello[i]!.rps))
  const cpu = (xs: Array<{ cpuUsPerRequest: number }>) =>
    fmt(summarise(xs.map((x) => x.cpuUsPerRequest)).median, 0)
  const throughput = (what: string, xs: typeof hello, target = '') => {
    const t = rps(xs)
    const q = ratio(xs)
    row(
      what,
      `${fmt(t.median, 0)} req/s, ratio ${fmt(q.median, 3)}, ${cpu(xs)} µs CPU/req`,
      `${fmt(t.min, 0)}-${fmt(t.max, 0)} req/s, ratio ${fmt(q.min, 3)}-${fmt(q.max, 3)}`,
      target,
    )
  }
  const hs = rps(hello)
  row(
    'Bare Fastify hello (GET /hello, 50 conns): the baseline',
    `${fmt(hs.median, 0)} req/s, ${cpu(hello)} µs CPU/req`,
    `${fmt(hs.min, 0)}-${fmt(hs.max, 0)}`,
    '',
  )
  throughput('Chat: POST /api/chat, realistic mix, 50 conns (ratio = chat / hello)', chat, 'ratio >= 0.5')
  throughput('Chat, every message a text the bot has not seen (no analysis reused)', fresh)
  throughput('Ceiling: bare Fastify POST /api/chat, same schemas, constant reply', bare)
  throughput('Ceiling: NightDesk app stack, constant reply (no bot, no storage write)', stack)
  const p50 = summarise(chat.map((x) => x.p50))
  const p99 = summarise(chat.map((x) => x.p99))
  row(
    'Chat latency at 50 conns, p50 / p99',
    `${p50.median} / ${p99.median} ms`,
    `p99 ${p99.min}-${p99.max} ms`,
    'p99 <= 25 ms',
  )
  const failed = [...chat, ...fresh].reduce((n, x) => n + x.errors + x.non2xx, 0)
  if (failed) row('Chat errors during load', String(failed), '', '0')
}

// 3. In-process NLU cost and its growth with the knowledge base.
for (const factor of [1, 10, 50]) {
  const n = factor === 50 ? Math.min(runs, 2) : runs
  const rs: NluBench[] = []
  for (let i = 0; i < n; i++) {
    rs.push(await benchNlu(knowledgeDir, intentsDir, factor, quick ? 20 : factor === 50 ? 50 : 200))
  }
  const med = summarise(rs.map((r) => r.perMessageUs.median))
  const p99 = summarise(rs.map((r) => r.perMessageUs.p99))
  results[`nlu_${factor}x`] = rs
  row(
    `NLU per message, ${factor}x (${rs[0]!.intents} intents, ${rs[0]!.examples} examples), median / p99`,
    `${fmt(med.median / 1000, 3)} / ${fmt(p99.median / 1000, 3)} ms`,
    `medians ${fmt(med.min / 1000, 3)}-${fmt(med.max / 1000, 3)} ms`,
    factor === 10 ? 'median <= 2 ms' : factor === 50 ? 'sub-linear' : '',
  )
}

// 4. WebSockets: memory with 10,000 idle connections and with 1,000 chatting; round trip.
{
  const server = await startServer(serverJs, 4230, {}, languages)
  const baseline = server.rssMiB()
  const wsUrl = server.url.replace('http', 'ws') + '/ws'
  const idleCount = quick ? 2000 : 10_000
  const idle = await openMany(wsUrl, idleCount)
  await delay(1000)
  const idleRss = server.rssMiB()
  await closeAll(idle)
  const active = await openMany(wsUrl, 1000)
  const rtt = await chatter(active, quick ? 3 : 10, 1000)
  const activeRss = server.rssMiB()
  await closeAll(active)
  await server.stop()
  results.ws = { baselineMiB: baseline, idleCount, idleRssMiB: idleRss, activeRssMiB: activeRss, rtt }
  row(
    `WebSocket: RSS with ${idleCount} idle connections`,
    `${fmt(idleRss, 0)} MiB`,
    `server alone ${fmt(baseline, 0)} MiB`,
    '<= 1024 MiB at 10,000',
  )
  row('WebSocket: RSS with 1,000 connections chatting (1 msg/s each)', `${fmt(activeRss, 0)} MiB`, '', '')
  row(
    'WebSocket: question round trip, p50 / p99',
    `${fmt(rtt.median, 1)} / ${fmt(rtt.p99, 1)} ms`,
    `${rtt.n} messages`,
    '',
  )
}

// 5. Startup to healthy and retrain time, 1x and 10x.
{
  const tenX = mkdtempSync(path.join(os.tmpdir(), 'nd-bench-10x-'))
  cpSync(intentsDir, tenX, { recursive: true })
  const kb10 = scaledKnowledge(loadKnowledgeBase(knowledgeDir, intentsDir), 10)
  for (const intent of kb10.intents.filter((i) => i.id.includes('__syn'))) {
    writeFileSync(
      path.join(tenX, 'zh', `${intent.id}.yaml`),
      toYaml({ intent: intent.id, description: intent.description, examples: intent.examples }),
    )
  }
  for (const [label, env] of [
    ['1x', {}],
    ['10x', { INTENTS_DIR: tenX }],
  ] as const) {
    // A first start trains; a restart on the same data directory loads the training kept there.
    const first: number[] = []
    const restart: number[] = []
    const kept = mkdtempSync(path.join(os.tmpdir(), 'nd-bench-restart-'))
    await benchStartup(root, 4239, env, { dataDir: kept })
    for (let i = 0; i < runs; i++) {
      first.push(await benchStartup(root, 4240 + i, env))
      restart.push(await benchStartup(root, 4245 + i, env, { dataDir: kept }))
    }
    rmSync(kept, { recursive: true, force: true })
    const f = summarise(first)
    const r = summarise(restart)
    results[`startup_${label}_ms`] = { first, restart }
    row(
      `Startup to healthy, ${label}: first start / restart`,
      `${fmt(f.median, 0)} / ${fmt(r.median, 0)} ms`,
      `first ${fmt(f.min, 0)}-${fmt(f.max, 0)}, restart ${fmt(r.min, 0)}-${fmt(r.max, 0)} ms`,
      label === '1x' ? '<= 3000 ms' : '',
    )
  }
  for (const [label, dir] of [
    ['1x', intentsDir],
    ['10x', tenX],
  ] as const) {
    const r = await benchRetrain(knowledgeDir, dir, runs)
    results[`retrain_${label}_ms`] = r
    const live = summarise(r.examplesLive)
    const all = summarise(r.examplesAll)
    const facts = summarise(r.factsLive)
    row(
      `Publish with an intent example edited (retrain), ${label}: live / all languages`,
      `${fmt(live.median, 0)} / ${fmt(all.median, 0)} ms`,
      `live ${fmt(live.min, 0)}-${fmt(live.max, 0)} ms`,
      label === '1x' ? '<= 1000 ms' : '',
    )
    row(
      `Publish with a fact edited (a floor), ${label}: live`,
      `${fmt(facts.median, 0)} ms`,
      `${fmt(facts.min, 0)}-${fmt(facts.max, 0)} ms`,
      label === '1x' ? '<= 1000 ms' : '',
    )
  }
  rmSync(tenX, { recursive: true, force: true })
}

const w = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length)))
console.log(
  `\nNightDesk benchmark — ${os.cpus().length} cores, ${os.cpus()[0]?.model}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}${quick ? ' (BENCH_QUICK: shortened)' : ''}\n`,
)
console.log(`| ${'measure'.padEnd(w[0]!)} | ${'median'.padEnd(w[1]!)} | ${'spread'.padEnd(w[2]!)} | target |`)
console.log(`|${'-'.repeat(w[0]! + 2)}|${'-'.repeat(w[1]! + 2)}|${'-'.repeat(w[2]! + 2)}|--------|`)
for (const r of rows) {
  console.log(`| ${r[0].padEnd(w[0]!)} | ${r[1].padEnd(w[1]!)} | ${r[2].padEnd(w[2]!)} | ${r[3]} |`)
}
mkdirSync(path.join(root, 'bench', 'results'), { recursive: true })
writeFileSync(path.join(root, 'bench', 'results', 'latest.json'), JSON.stringify(results, null, 2))
console.log('\nwritten bench/results/latest.json')
