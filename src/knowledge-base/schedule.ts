import type { DaySet, Schedule, ScheduleRule } from './types.js'

const DAY_LABEL: Record<DaySet, string> = { weekdays: '周一至周五', weekend: '周六、周日', daily: '每天' }
const WEEKDAY_NAMES = ['周日', '周一', '周二', '周三', '周四', '周五', '周六']

/** Local wall-clock time in the hospital's time zone, the only clock answers may depend on. */
export interface LocalTime { weekday: number; minutes: number; label: string }

// Intl is slow per call; a zone's UTC offset only changes on an hour boundary (DST), so it is
// computed once per zone and hour and the rest is arithmetic.
const formatters = new Map<string, Intl.DateTimeFormat>()
const offsets = new Map<string, number>()

function offsetMinutes(at: Date, timeZone: string): number {
  const hour = Math.floor(at.getTime() / 3_600_000)
  const key = `${timeZone}|${hour}`
  let offset = offsets.get(key)
  if (offset === undefined) {
    let fmt = formatters.get(timeZone)
    if (!fmt) {
      fmt = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      formatters.set(timeZone, fmt)
    }
    const p = Object.fromEntries(fmt.formatToParts(at).map((x) => [x.type, x.value]))
    const asUtc = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute))
    offset = Math.round((asUtc - Math.floor(at.getTime() / 60_000) * 60_000) / 60_000)
    if (offsets.size > 1000) offsets.clear()
    offsets.set(key, offset)
  }
  return offset
}

export function localTime(at: Date, timeZone: string): LocalTime {
  const local = new Date(at.getTime() + offsetMinutes(at, timeZone) * 60_000)
  const weekday = local.getUTCDay()
  const hour = local.getUTCHours()
  const minute = local.getUTCMinutes()
  return {
    weekday,
    minutes: hour * 60 + minute,
    label: `${WEEKDAY_NAMES[weekday]} ${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`,
  }
}

export function parseClock(hhmm: string): number {
  const m = /^(\d{1,2}):(\d{2})$/.exec(hhmm)
  if (!m) throw new Error(`malformed time "${hhmm}" (expected H:MM, e.g. 8:00 or 17:30)`)
  const h = Number(m[1]); const min = Number(m[2])
  if (h > 24 || min > 59) throw new Error(`malformed time "${hhmm}"`)
  return h * 60 + min
}

function ruleApplies(rule: ScheduleRule, weekday: number): boolean {
  if (rule.days === 'daily') return true
  const weekend = weekday === 0 || weekday === 6
  return rule.days === 'weekend' ? weekend : !weekend
}

export function isOpen(schedule: Schedule, t: LocalTime): boolean {
  if (schedule.always) return true
  return schedule.rules.some((r) => ruleApplies(r, t.weekday) && t.minutes >= parseClock(r.from) && t.minutes < parseClock(r.to))
}

/** "周一至周五 8:00-12:00、13:30-17:00；周六、周日 8:00-12:00（note）" */
export function renderSchedule(schedule: Schedule, alwaysText = '24小时开放'): string {
  if (schedule.always) return alwaysText
  const byDays = new Map<DaySet, ScheduleRule[]>()
  for (const r of schedule.rules) byDays.set(r.days, [...(byDays.get(r.days) ?? []), r])
  const single = byDays.size === 1 && byDays.has('daily')
  return [...byDays].map(([days, rules]) => {
    const spans = rules.map((r) => `${r.from}-${r.to}`).join('、')
    const notes = rules.map((r) => r.note).filter(Boolean)
    return `${single ? '每天' : DAY_LABEL[days]} ${spans}${notes.length ? `（${notes.join('；')}）` : ''}`
  }).join('；')
}

/** Only the rules for the day kind asked about ("周末有门诊吗"). */
export function renderScheduleFor(schedule: Schedule, days: 'weekend' | 'weekdays'): string | undefined {
  if (schedule.always) return undefined
  const rules = schedule.rules.filter((r) => r.days === days || r.days === 'daily')
  if (!rules.length) return undefined
  return renderSchedule({ ...schedule, rules })
}

export function validateSchedule(s: Schedule): string[] {
  const errors: string[] = []
  if (!s.always && !s.rules.length) errors.push(`schedules.${s.id}: needs rules or always: true`)
  for (const [i, r] of s.rules.entries()) {
    if (!['weekdays', 'weekend', 'daily'].includes(r.days)) errors.push(`schedules.${s.id}.rules[${i}].days: must be weekdays, weekend or daily`)
    try {
      if (parseClock(r.from) >= parseClock(r.to)) errors.push(`schedules.${s.id}.rules[${i}]: opens at ${r.from} but closes at ${r.to}`)
    } catch (e) { errors.push(`schedules.${s.id}.rules[${i}]: ${(e as Error).message}`) }
  }
  return errors
}
