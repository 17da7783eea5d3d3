import { csvCell } from '../knowledge-base/csv.js'
import { localTime } from '../knowledge-base/schedule.js'
import type { ServiceLevels } from '../handoff/service-levels.js'
import { clocksFor } from '../handoff/service-levels.js'
import type { Stores } from '../storage/types.js'
import { loadReportData, nightResponse, type NightResponse } from './night-response.js'

export interface Dashboard {
  from: string
  to: string
  messages: number
  messagesByHour: number[]
  intents: Array<{ intent: string; count: number }>
  actions: Record<'answer' | 'clarify' | 'fallback' | 'handoff', number>
  nightResponse: NightResponse
  handoffs: {
    count: number
    byPriority: Record<string, number>
    waitMinutes: Stat
    resolutionMinutes: Stat
    firstResponseBreached: number
  }
  satisfaction: Record<'1' | '2' | '3' | '4' | '5', number>
  complaints: Record<string, number>
}
interface Stat {
  median: number | null
  p90: number | null
  n: number
}

const stat = (xs: number[]): Stat => {
  const s = [...xs].sort((a, b) => a - b)
  const at = (p: number) =>
    s.length ? Math.round(s[Math.min(s.length - 1, Math.floor(p * s.length))]! * 10) / 10 : null
  return { median: at(0.5), p90: at(0.9), n: s.length }
}

/** The figures the hospital is judged on, for one date range, from transcripts and tickets. */
export async function dashboard(
  stores: Stores,
  levels: ServiceLevels,
  range: { from: Date; to: Date },
  timeZone: string,
  now = new Date(),
): Promise<Dashboard> {
  const inRange = (iso: string) => {
    const t = Date.parse(iso)
    return t >= range.from.getTime() && t < range.to.getTime()
  }
  const messagesByHour = new Array<number>(24).fill(0)
  const intents = new Map<string, number>()
  const actions = { answer: 0, clarify: 0, fallback: 0, handoff: 0 }
  const satisfaction = { 1: 0, 2: 0, 3: 0, 4: 0, 5: 0 }
  let messages = 0
  const data = await loadReportData(stores)
  for (const [, entries] of data.conversations) {
    for (const e of entries) {
      if (!inRange(e.at)) continue
      if (e.role === 'patient') {
        messages++
        messagesByHour[Math.floor(localTime(new Date(e.at), timeZone).minutes / 60)]!++
      }
      if (e.role === 'bot' && e.action) {
        actions[e.action]++
        if (e.intent) intents.set(e.intent, (intents.get(e.intent) ?? 0) + 1)
      }
      const rating = e.role === 'system' ? /^满意度评分：([1-5])$/.exec(e.text)?.[1] : undefined
      if (rating) satisfaction[rating as '1']++
    }
  }
  const tickets = data.tickets.filter((t) => inRange(t.createdAt) && t.reason !== 'satisfaction_follow_up')
  const byPriority: Record<string, number> = {}
  const complaints: Record<string, number> = {}
  for (const t of tickets) {
    byPriority[t.priority] = (byPriority[t.priority] ?? 0) + 1
    if (t.reason === 'complaint') {
      const c = String(t.detail.category ?? 'other')
      complaints[c] = (complaints[c] ?? 0) + 1
    }
  }
  const minutes = (a: string, b?: string) => (b ? (Date.parse(b) - Date.parse(a)) / 60_000 : undefined)
  return {
    from: range.from.toISOString(),
    to: range.to.toISOString(),
    messages,
    messagesByHour,
    intents: [...intents]
      .map(([intent, count]) => ({ intent, count }))
      .sort((a, b) => b.count - a.count)
      .slice(0, 15),
    actions,
    nightResponse: nightResponse(data, levels, range, timeZone),
    handoffs: {
      count: tickets.length,
      byPriority,
      waitMinutes: stat(
        tickets
          .map((t) => minutes(t.createdAt, t.firstResponseAt))
          .filter((x): x is number => x !== undefined),
      ),
      resolutionMinutes: stat(
        tickets.map((t) => minutes(t.createdAt, t.closedAt)).filter((x): x is number => x !== undefined),
      ),
      firstResponseBreached: tickets.filter((t) =>
        clocksFor(t, levels, now).some((c) => c.name === 'firstResponse' && c.breached),
      ).length,
    },
    satisfaction,
    complaints,
  }
}

/** One row per figure, for a spreadsheet. */
export function dashboardCsv(d: Dashboard): string {
  const rows: Array<[string, string, string | number | null]> = [
    ['range', 'from', d.from],
    ['range', 'to', d.to],
    ['messages', 'total', d.messages],
    ...d.messagesByHour.map((n, h) => ['messages_by_hour', `${h}:00`, n] as [string, string, number]),
    ...d.intents.map((i) => ['intents', i.intent, i.count] as [string, string, number]),
    ...Object.entries(d.actions).map(([k, v]) => ['actions', k, v] as [string, string, number]),
    ['night_response', 'rate', Math.round(d.nightResponse.rate * 1000) / 1000],
    ['night_response', 'night_messages', d.nightResponse.nightMessages],
    ['night_response', 'answered_in_time', d.nightResponse.answeredInTime],
    ['handoffs', 'count', d.handoffs.count],
    ['handoffs', 'wait_median_min', d.handoffs.waitMinutes.median],
    ['handoffs', 'resolution_median_min', d.handoffs.resolutionMinutes.median],
    ['handoffs', 'first_response_breached', d.handoffs.firstResponseBreached],
    ...Object.entries(d.satisfaction).map(([k, v]) => ['satisfaction', k, v] as [string, string, number]),
    ...Object.entries(d.complaints).map(([k, v]) => ['complaints', k, v] as [string, string, number]),
  ]
  return '\ufeffmetric,key,value\r\n' + rows.map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n'
}
