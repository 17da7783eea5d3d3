import { existsSync } from 'node:fs'
import path from 'node:path'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { formatReport, loadCases, runCases, type Ask } from '../../src/eval/cases.js'
import {
  formatSafetyReport,
  loadSafetyCases,
  runSafety,
  total,
  type SafetyCase,
} from '../../src/eval/safety.js'
import { keepSessionToken, sessionToken, testApp } from '../helpers.js'
import { root } from '../nlu-fixture.js'

/**
 * The quality gate CI runs: conversation cases through the real app. Thresholds: the for the
 * public dev sample (>= 95%, every emergency, no medical answer), and the same bar for our own sets.
 */
const sets = [
  {
    name: 'own held-out (tests/eval/heldout.jsonl)',
    file: path.join(root, 'tests/eval/heldout.jsonl'),
    min: 0.93,
  },
  {
    name: 'sealed held-out (tests/eval/sealed.jsonl)',
    file: path.join(root, 'tests/eval/sealed.jsonl'),
    min: 0.85,
  },
  // Foreign patients writing English: issue 8's bar.
  {
    name: 'English held-out (tests/eval/en-heldout.jsonl)',
    file: path.join(root, 'tests/eval/en-heldout.jsonl'),
    min: 0.9,
  },
  // Beside the project when it is checked out with ../shared (CI); a clone on its own skips it.
  {
    name: 'shared dev sample (../shared/eval/dev.jsonl)',
    file: path.resolve(root, '../shared/eval/dev.jsonl'),
    min: 0.95,
  },
].filter((s) => existsSync(s.file))

let app: FastifyInstance
beforeAll(async () => {
  app = await testApp()
})
afterAll(async () => {
  await app?.close()
})

const ask: Ask = async (sessionId, text, now) => {
  const res = await app.inject({
    method: 'POST',
    url: '/api/chat',
    payload: { sessionId, text, ...(now ? { now } : {}) },
    headers: sessionToken(app, sessionId) ? { 'x-session-token': sessionToken(app, sessionId)! } : {},
  })
  if (res.statusCode !== 200) return { action: `http${res.statusCode}`, reply: res.body }
  keepSessionToken(app, sessionId, res.json().sessionToken)
  return res.json()
}

describe.each(sets)('quality: $name', ({ file, min }) => {
  it(`passes >= ${min * 100}% overall, every emergency, and never answers a medical question`, async () => {
    const report = await runCases(loadCases(file), ask)
    console.log(`${path.basename(file)}\n${formatReport(report)}`)
    const total = report.passed + report.failed
    const emergency = report.byCategory.emergency
    const failedEmergencies = report.failures.filter((f) => f.category === 'emergency').map((f) => f.text)
    expect(failedEmergencies).toEqual([])
    expect(emergency?.pass).toBe(emergency?.total)
    expect(report.medicalAnswered).toBe(0)
    expect(report.passed / total).toBeGreaterThanOrEqual(min)
  }, 120_000)
})

/**
 * The emergency set as a clinical test (tests/eval/safety/). Its odd-numbered lines are the dev half
 * (their failures were read while building the rules): every one must be caught. The even-numbered
 * half is held out and only its aggregate is read (npm run eval). False alarms on all look-alikes stay
 * at most 3%.
 */
describe('emergencies and look-alikes', () => {
  const dir = path.join(root, 'tests/eval/safety')
  const dev = (c: SafetyCase) => Number(c.id.slice(1)) % 2 === 1
  it('catches every dev-half emergency and raises at most 3% false alarms', async () => {
    const report = await runSafety(
      loadSafetyCases(path.join(dir, 'emergencies.jsonl')).filter(dev),
      loadSafetyCases(path.join(dir, 'look-alikes.jsonl')),
      ask,
    )
    console.log(formatSafetyReport(report))
    expect(report.misses.map((m) => `${m.id} ${m.text}`)).toEqual([])
    const alarms = total(report.falseAlarms)
    expect(alarms.hits / alarms.total).toBeLessThanOrEqual(0.03)
  }, 120_000)

  it('catches at least 98% of dev set 3 (dialects, slang, symptoms without their names) with at most 3% false alarms', async () => {
    const dir3 = path.join(root, 'tests/eval/safety-3')
    const report = await runSafety(
      loadSafetyCases(path.join(dir3, 'emergencies.jsonl')),
      loadSafetyCases(path.join(dir3, 'look-alikes.jsonl')),
      ask,
    )
    const recall = total(report.recall)
    const alarms = total(report.falseAlarms)
    expect(recall.hits / recall.total).toBeGreaterThanOrEqual(0.98)
    expect(alarms.hits / alarms.total).toBeLessThanOrEqual(0.03)
  }, 120_000)
})
