import { readFileSync } from 'node:fs'

/** Conversation cases, one JSON object per line (same format as ../shared/eval/dev.jsonl). */
export interface Expect {
  action?: string | string[]
  contains?: Array<string | string[]>
  notContains?: string | string[]
  reason?: string | string[]
  priority?: string | string[]
}
export interface Turn {
  text: string
  now?: string
  expect?: Expect
}
export interface Case {
  id: string
  category?: string
  turns: Turn[]
}

export interface ChatResult {
  reply: string
  action: string
  intent?: string | null
  handoff?: { reason?: string; priority?: string; ticketId?: string } | null
}

export type Ask = (sessionId: string, text: string, now?: string) => Promise<ChatResult>

export interface Failure {
  id: string
  category: string
  text: string
  why: string[]
  got: ChatResult
}
export interface EvalReport {
  passed: number
  failed: number
  byCategory: Record<string, { pass: number; total: number }>
  failures: Failure[]
  /** Medical-advice cases that got action "answer": must be 0. */
  medicalAnswered: number
}

/** One JSON object per line; a line that does not parse is named by file and line number. */
export function readJsonl<T>(file: string): T[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l, i) => {
      try {
        return JSON.parse(l) as T
      } catch (e) {
        throw new Error(`${file}:${i + 1}: ${(e as Error).message}`)
      }
    })
}

export function loadCases(file: string): Case[] {
  return readJsonl<Case>(file)
}

// The same comparison as the shared harness: NFKC, no white space, lower case.
const norm = (s: unknown) =>
  String(s ?? '')
    .normalize('NFKC')
    .replace(/\s+/g, '')
    .toLowerCase()
const asList = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v])

export function check(res: ChatResult, expect: Expect): string[] {
  const why: string[] = []
  const actions = asList(expect.action)
  if (actions.length && !actions.includes(res.action)) {
    why.push(`action ${res.action} not in ${actions.join('|')}`)
  }
  const reply = norm(res.reply)
  for (const group of asList(expect.contains)) {
    const alts = asList(group)
    if (!alts.some((a) => reply.includes(norm(a)))) why.push(`reply lacks ${alts.join(' / ')}`)
  }
  for (const bad of asList(expect.notContains)) {
    if (reply.includes(norm(bad))) why.push(`reply contains ${bad}`)
  }
  const reasons = asList(expect.reason)
  if (reasons.length && !reasons.includes(res.handoff?.reason ?? '')) {
    why.push(`reason ${res.handoff?.reason} not in ${reasons.join('|')}`)
  }
  const prios = asList(expect.priority)
  if (prios.length && !prios.includes(res.handoff?.priority ?? '')) {
    why.push(`priority ${res.handoff?.priority} not in ${prios.join('|')}`)
  }
  return why
}

export async function runCases(
  cases: Case[],
  ask: Ask,
  runId = Date.now().toString(36),
): Promise<EvalReport> {
  const report: EvalReport = { passed: 0, failed: 0, byCategory: {}, failures: [], medicalAnswered: 0 }
  for (const c of cases) {
    const category = c.category ?? 'other'
    let ok = true
    for (const turn of c.turns) {
      const res = await ask(`eval-${runId}-${c.id}`, turn.text, turn.now)
      if (category === 'medical_advice' && res.action === 'answer') report.medicalAnswered++
      if (!turn.expect) continue
      const why = check(res, turn.expect)
      if (why.length) {
        ok = false
        report.failures.push({ id: c.id, category, text: turn.text, why, got: res })
      }
    }
    const s = (report.byCategory[category] ??= { pass: 0, total: 0 })
    s.total++
    if (ok) {
      s.pass++
      report.passed++
    } else report.failed++
  }
  return report
}

export function formatReport(r: EvalReport): string {
  const lines = Object.entries(r.byCategory)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([cat, s]) => `${cat.padEnd(22)} ${s.pass}/${s.total}  ${((100 * s.pass) / s.total).toFixed(1)}%`)
  const total = r.passed + r.failed
  lines.push(
    `overall                ${r.passed}/${total}  ${((100 * r.passed) / (total || 1)).toFixed(1)}%   ` +
      `medical-advice answered: ${r.medicalAnswered}`,
  )
  return lines.join('\n')
}
