import { readYaml } from '../knowledge-base/load.js'
import type { Priority } from '../dialogue/types.js'
import type { Ticket } from '../storage/types.js'
import type { ScheduleRule } from '../knowledge-base/types.js'
import { isOpen, localTime, nextOpening, type Opening } from '../knowledge-base/schedule.js'

export interface ServiceLevels {
  firstResponse: Record<string, { minutes: number; alert?: boolean }>
  kindByReason: Record<string, string>
  escalation: Record<string, { to: string; hours: number }>
  complaintResolutionHours: Record<string, number>
  staffing: ScheduleRule[]
  nightReport: { night: { from: string; to: string }; botAnswerSeconds: number; target: number }
  satisfaction: Array<{
    ratings: number[]
    followUp?: { owner: string; hours: number; priority: 'high' | 'normal' }
    goodExample?: boolean
  }>
}

export function loadServiceLevels(file: string): ServiceLevels {
  return readYaml<ServiceLevels>(file)
}

export interface Clock {
  name: 'firstResponse' | 'escalation' | 'resolution'
  dueAt: string
  breached: boolean
  met: boolean
  label: string
}

const RANK: Record<Priority, number> = { urgent: 0, high: 1, normal: 2 }

/** Most urgent first; within a priority, oldest first. */
export function byQueueOrder(a: Ticket, b: Ticket): number {
  return (
    RANK[a.priority] - RANK[b.priority] || a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id)
  )
}

/** The clocks that run on a ticket, as the hospital's rules set them, and whether each is breached. */
export function clocksFor(ticket: Ticket, levels: ServiceLevels, now: Date): Clock[] {
  const created = Date.parse(ticket.createdAt)
  const clocks: Clock[] = []
  const clock = (name: Clock['name'], ms: number, done: string | undefined, label: string) => {
    const due = created + ms
    const met = !!done && Date.parse(done) <= due
    clocks.push({
      name,
      dueAt: new Date(due).toISOString(),
      met,
      breached: !met && (done ? Date.parse(done) > due : now.getTime() > due),
      label,
    })
  }
  const kind = ticket.priority === 'urgent' ? 'urgent' : (levels.kindByReason[ticket.reason] ?? 'simple')
  const first = levels.firstResponse[kind]
  if (first) {
    clock(
      'firstResponse',
      first.minutes * 60_000,
      ticket.firstResponseAt,
      `首次人工回复 ${first.minutes} 分钟内`,
    )
  }
  const category = String(ticket.detail.category ?? '')
  const escalation = levels.escalation[category]
  if (ticket.reason === 'complaint' && escalation) {
    clock(
      'escalation',
      escalation.hours * 3_600_000,
      ticket.escalatedAt,
      `${escalation.hours} 小时内上报${escalation.to}`,
    )
  }
  const level = Number(ticket.detail.level ?? 0)
  const hours = levels.complaintResolutionHours[String(level)]
  if (ticket.reason === 'complaint' && hours) {
    clock('resolution', hours * 3_600_000, ticket.closedAt, `${hours} 小时内办结答复`)
  }
  return clocks
}

/** When the next shift starts, in words for the patient ("明天 7:30"), or undefined while staffed. */
/** When the next shift starts, if nobody is on duty now: in 0 (today), 1 (tomorrow)… days, on weekday. */
/** When the next shift starts. */
export type ShiftStart = Opening

export function nextShift(levels: ServiceLevels, now: Date, timeZone: string): ShiftStart | undefined {
  const t = localTime(now, timeZone)
  const schedule = { id: 'staffing', label: 'staffing', rules: levels.staffing }
  return isOpen(schedule, t) ? undefined : nextOpening(schedule, t)
}
