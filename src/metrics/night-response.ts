import { localTime, parseClock } from '../knowledge-base/schedule.js'
import type { ServiceLevels } from '../handoff/service-levels.js'
import type { Stores, Ticket, TranscriptEntry } from '../storage/types.js'

/** Every conversation and ticket, read once for a report that needs them. */
export interface ReportData {
  conversations: Array<[string, TranscriptEntry[]]>
  tickets: Ticket[]
}

export async function loadReportData(stores: Stores): Promise<ReportData> {
  const ids = await stores.transcripts.sessionIds()
  const conversations = await Promise.all(
    ids.map(async (id) => [id, await stores.transcripts.list(id)] as [string, TranscriptEntry[]]),
  )
  return { conversations, tickets: await stores.tickets.list() }
}

export interface NightResponse {
  from: string
  to: string
  nightMessages: number
  answeredInTime: number
  rate: number
  target: number
  byBot: number
  byPerson: number
  waiting: number
}

function atNight(at: Date, levels: ServiceLevels, timeZone: string): boolean {
  const m = localTime(at, timeZone).minutes
  const from = parseClock(levels.nightReport.night.from)
  const to = parseClock(levels.nightReport.night.to)
  return from > to ? m >= from || m < to : m >= from && m < to
}

/**
 * Share of patients' night messages answered within the target time: a bot reply (answer, clarify or
 * fallback) counts at once; a message handed to a person counts when the ticket's first human reply
 * came within its first-response clock.
 */
export function nightResponse(
  data: ReportData,
  levels: ServiceLevels,
  range: { from: Date; to: Date },
  timeZone: string,
): NightResponse {
  const bySession = new Map<string, Ticket[]>()
  for (const t of data.tickets) bySession.set(t.sessionId, [...(bySession.get(t.sessionId) ?? []), t])
  let nightMessages = 0
  let byBot = 0
  let byPerson = 0
  let waiting = 0
  for (const [sessionId, entries] of data.conversations) {
    entries.forEach((e, i) => {
      const at = new Date(e.at)
      if (e.role !== 'patient' || at < range.from || at >= range.to || !atNight(at, levels, timeZone)) return
      nightMessages++
      const answer = entries[i + 1]
      if (!answer || answer.role !== 'bot') return
      const seconds = (Date.parse(answer.at) - at.getTime()) / 1000
      if (answer.action !== 'handoff') {
        if (seconds <= levels.nightReport.botAnswerSeconds) byBot++
        return
      }
      const ticket = (bySession.get(sessionId) ?? [])
        .filter((t) => Date.parse(t.createdAt) <= Date.parse(answer.at))
        .at(-1)
      const kind =
        ticket?.priority === 'urgent' ? 'urgent' : (levels.kindByReason[ticket?.reason ?? ''] ?? 'simple')
      const limit = (levels.firstResponse[kind]?.minutes ?? 5) * 60_000
      if (ticket?.firstResponseAt && Date.parse(ticket.firstResponseAt) - at.getTime() <= limit) byPerson++
      else waiting++
    })
  }
  const answeredInTime = byBot + byPerson
  return {
    from: range.from.toISOString(),
    to: range.to.toISOString(),
    nightMessages,
    answeredInTime,
    rate: nightMessages ? answeredInTime / nightMessages : 1,
    target: levels.nightReport.target,
    byBot,
    byPerson,
    waiting,
  }
}
