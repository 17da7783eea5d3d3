import type { Ask, ChatResult } from './cases.js'
import { existsSync } from 'node:fs'
import { readJsonl } from './cases.js'
import { tally, type Rate } from './safety.js'

/**
 * The blind understanding sets (tests/eval/understanding/): what the bot does with what it must not
 * answer (out of scope, noise), and what it must hand to a person (complaints, distress).
 */
interface Line {
  id: string
  text: string
  topic?: string
  kind?: string
  category?: string
  level?: number
  tone?: string
}

export interface UnderstandingReport {
  /** Out-of-scope lines answered from the FAQ (lower is better). */
  outOfScopeAnswered: Rate
  /** Complaints handed to a person, and with the hospital's level. */
  complaintsHandedOff: Rate
  complaintLevel: Rate
  /** Complaint level found, by tone: calm grievances are the hard ones. */
  complaintsByTone: Record<string, Rate>
  distressHandedOff: Rate
  /** Gibberish answered with a clarify or fallback, never a goodbye or a rating question. */
  noiseClarified: Rate
}

/** A handed-off ticket's complaint level, where the bot runs in this process. */
export type TicketLevel = (ticketId: string) => Promise<number | undefined>

const rate = (): Rate => ({ hits: 0, total: 0 })

export async function runUnderstanding(
  dir: string,
  ask: Ask,
  level?: TicketLevel,
  runId = Date.now().toString(36),
): Promise<UnderstandingReport> {
  // A set may leave a file out (the second has no noise lines): then that figure has no lines.
  const read = (f: string) => (existsSync(`${dir}/${f}`) ? readJsonl<Line>(`${dir}/${f}`) : [])
  const one = (l: Line) => ask(`understanding-${runId}-${l.id}`, l.text)
  const report: UnderstandingReport = {
    outOfScopeAnswered: rate(),
    complaintsHandedOff: rate(),
    complaintLevel: rate(),
    complaintsByTone: {},
    distressHandedOff: rate(),
    noiseClarified: rate(),
  }
  for (const l of read('out-of-scope.jsonl')) {
    tally(report.outOfScopeAnswered, (await one(l)).action === 'answer')
  }
  for (const l of read('complaints.jsonl')) {
    const got = await one(l)
    const handedOff = got.action === 'handoff'
    tally(report.complaintsHandedOff, handedOff)
    const found = handedOff && level && got.handoff?.ticketId ? await level(got.handoff.ticketId) : undefined
    if (l.level === undefined) continue
    tally(report.complaintLevel, found === l.level)
    tally((report.complaintsByTone[l.tone ?? 'other'] ??= rate()), found === l.level)
  }
  for (const l of read('distress.jsonl')) tally(report.distressHandedOff, (await one(l)).action === 'handoff')
  for (const l of read('noise.jsonl')) tally(report.noiseClarified, clarifies(await one(l)))
  return report
}

const clarifies = (r: ChatResult) =>
  (r.action === 'clarify' || r.action === 'fallback') && r.intent !== 'thanks_goodbye'

const pct = (r: Rate) => `${r.hits}/${r.total} (${((100 * r.hits) / (r.total || 1)).toFixed(1)}%)`

export function formatUnderstandingReport(r: UnderstandingReport): string {
  const lines: Array<[Rate, string]> = [
    [
      r.outOfScopeAnswered,
      `out of scope answered from the FAQ   ${pct(r.outOfScopeAnswered)}   (target <= 5%)`,
    ],
    [
      r.complaintsHandedOff,
      `complaints handed to a person        ${pct(r.complaintsHandedOff)}   (target >= 90%)`,
    ],
    [r.complaintLevel, `complaints with the right level      ${pct(r.complaintLevel)}   (target >= 85%)`],
    ...Object.entries(r.complaintsByTone).map(([tone, x]): [Rate, string] => [
      x,
      `  level right, ${tone.padEnd(6)}              ${pct(x)}`,
    ]),
    [
      r.distressHandedOff,
      `distress handed to a person          ${pct(r.distressHandedOff)}   (target >= 90%)`,
    ],
    [r.noiseClarified, `noise asked to clarify               ${pct(r.noiseClarified)}`],
  ]
  // A figure the set has no lines for (the second set has no noise, no levels) is left out, not 0/0.
  return lines
    .filter(([rate]) => rate.total)
    .map(([, line]) => line)
    .join('\n')
}
