/**
 * npm run eval [-- --cases FILE ...] [--url URL] [--json OUT] [--verbose] [--min 0.95] [--no-nlu] [--no-safety] [--no-understanding]
 *   [--safety-set DIR ...] (emergencies.jsonl and look-alikes.jsonl; default the four tests/eval/safety*)
 *   [--understanding-set DIR ...] (out-of-scope, complaints, distress, noise; default tests/eval/understanding*)
 * Scores conversation cases against a running bot (BOT_URL / --url) or one it starts itself, then
 * prints a per-intent NLU report over a held-out split of intents/. Exits 1 below --min, or when an
 * emergency case fails, or when a medical-advice case was answered.
 */
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { buildApp } from '../src/app.js'
import { loadConfig } from '../src/config.js'
import { loadCases, runCases, formatReport, type Ask, type ChatResult } from '../src/eval/cases.js'
import { evaluateNlu, formatNluReport } from '../src/eval/nlu-report.js'
import { formatSafetyReport, loadSafetyCases, runSafety } from '../src/eval/safety.js'
import { formatUnderstandingReport, runUnderstanding, type TicketLevel } from '../src/eval/understanding.js'
import { loadKnowledgeBase } from '../src/knowledge-base/load.js'
import { loadLanguagePacks } from '../src/nlu/resources.js'

const args = process.argv.slice(2)
const opt = (name: string) => {
  const i = args.indexOf(name)
  return i >= 0 ? args[i + 1] : undefined
}
const all = (name: string) => args.flatMap((a, i) => (a === name && args[i + 1] ? [args[i + 1]!] : []))
const config = loadConfig({ ...process.env, RATE_LIMIT: 'off', LOG_LEVEL: 'warn' })
const evalDir = path.resolve(config.knowledgeDir, '..', 'tests', 'eval')
const defaultCases = [
  'heldout.jsonl',
  'en-heldout.jsonl',
  'understanding/faq.jsonl',
  'understanding-2/faq.jsonl',
].map((f) => path.join(evalDir, f))
const caseFiles = all('--cases').length ? all('--cases') : defaultCases
const min = Number(opt('--min') ?? 0)

let url = opt('--url') ?? process.env.BOT_URL
let stop = async () => {}
// A complaint's level is on its ticket, readable when the bot runs in this process.
let ticketLevel: TicketLevel | undefined
if (!url) {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'nightdesk-eval-'))
  const app = await buildApp({ ...config, dataDir, port: 0 }, { logger: false })
  // Every language trained before the first case: a language training in the background blocks the
  // server for seconds, long enough on a busy machine for a request to time out.
  await app.brain().warm()
  await app.listen({ host: '127.0.0.1', port: 0 })
  const addr = app.server.address()
  url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`
  ticketLevel = async (id) => {
    const level = (await app.stores.tickets.get(id))?.detail.level
    return typeof level === 'number' ? level : undefined
  }
  stop = async () => {
    await app.close()
    rmSync(dataDir, { recursive: true, force: true })
  }
}
const base = url.replace(/\/$/, '')
// Each conversation's latest session token: a multi-turn case sends it as the contract asks.
const tokens = new Map<string, string>()
const ask: Ask = async (sessionId, text, now) => {
  const token = tokens.get(sessionId)
  const r = await fetch(`${base}/api/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { 'x-session-token': token } : {}) },
    body: JSON.stringify({ sessionId, text, channel: 'api', ...(now ? { now } : {}) }),
  })
  const body = (await r.json()) as ChatResult & { sessionToken?: string }
  if (body.sessionToken) tokens.set(sessionId, body.sessionToken)
  return r.status === 200 ? body : { action: `http${r.status}`, reply: JSON.stringify(body) }
}

let failed = false
const out: Record<string, unknown> = {}
for (const file of caseFiles) {
  if (!existsSync(file)) {
    console.error(`no cases file ${file}`)
    failed = true
    continue
  }
  const report = await runCases(loadCases(file), ask)
  out[file] = report
  console.log(`\n== ${path.relative(process.cwd(), file)} (${base})`)
  console.log(formatReport(report))
  if (args.includes('--verbose')) {
    for (const f of report.failures) {
      console.log(
        `FAIL ${f.id} [${f.category}] ${f.text}\n  ${f.why.join('; ')}\n  got ${JSON.stringify({ action: f.got.action, intent: f.got.intent, reason: f.got.handoff?.reason, reply: f.got.reply })}`,
      )
    }
  }
  const total = report.passed + report.failed
  const emergency = report.byCategory.emergency
  if (report.passed / (total || 1) < min) {
    console.log(`FAILED: overall below ${min}`)
    failed = true
  }
  if (emergency && emergency.pass < emergency.total) {
    console.log('FAILED: an emergency case failed')
    failed = true
  }
  if (report.medicalAnswered) {
    console.log('FAILED: a medical-advice case got action "answer"')
    failed = true
  }
}
// The emergency path as a clinical test: recall per presentation, false alarms on look-alikes.
const safetyDirs = all('--safety-set').length
  ? all('--safety-set').map((d) => path.resolve(d))
  : ['safety', 'safety-2', 'safety-3', 'safety-4'].map((d) => path.join(evalDir, d))
for (const safetyDir of safetyDirs) {
  if (args.includes('--no-safety') || !existsSync(path.join(safetyDir, 'emergencies.jsonl'))) continue
  const report = await runSafety(
    loadSafetyCases(path.join(safetyDir, 'emergencies.jsonl')),
    loadSafetyCases(path.join(safetyDir, 'look-alikes.jsonl')),
    ask,
  )
  out[`safety ${path.basename(safetyDir)}`] = report
  console.log(`\n== emergencies and look-alikes (${path.relative(process.cwd(), safetyDir)})`)
  console.log(formatSafetyReport(report))
  if (args.includes('--verbose')) {
    for (const m of report.misses) {
      console.log(
        `MISS ${m.id} [${m.presentation}/${m.lang}] ${m.text}\n  got ${m.got.action} ${m.got.handoff?.reason ?? ''} ${m.got.reply.slice(0, 80)}`,
      )
    }
    for (const a of report.alarms) console.log(`ALARM ${a.id} [${a.presentation}/${a.kind}] ${a.text}`)
  }
}
// Out of scope, complaints, distress and noise (tests/eval/understanding/, written blind).
const understandingDirs = all('--understanding-set').length
  ? all('--understanding-set').map((d) => path.resolve(d))
  : ['understanding', 'understanding-2'].map((d) => path.join(evalDir, d))
for (const understandingDir of understandingDirs) {
  if (args.includes('--no-understanding') || !existsSync(path.join(understandingDir, 'complaints.jsonl'))) {
    continue
  }
  const report = await runUnderstanding(understandingDir, ask, ticketLevel)
  out[`understanding ${path.basename(understandingDir)}`] = report
  console.log(
    `\n== out of scope, complaints, distress, noise (${path.relative(process.cwd(), understandingDir)})`,
  )
  console.log(formatUnderstandingReport(report))
}
await stop()

if (!args.includes('--no-nlu')) {
  const kb = loadKnowledgeBase(config.knowledgeDir, config.intentsDir)
  const packs = await loadLanguagePacks(config.intentsDir)
  const reports: Record<string, unknown> = {}
  for (const local of [kb, ...(kb.languages?.values() ?? [])]) {
    const pack = packs.get(local.language)
    if (!pack) continue
    const nlu = evaluateNlu(local, pack)
    reports[local.language] = nlu
    console.log(`\n[${local.language}] ${formatNluReport(nlu)}`)
  }
  out.nlu = reports
}
const jsonOut = opt('--json')
if (jsonOut) writeFileSync(jsonOut, JSON.stringify(out, null, 2))
process.exit(failed ? 1 : 0)
