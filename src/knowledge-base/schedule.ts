import type { DaySet, Schedule, ScheduleRule } from './types.js'

/** How one language writes days, hours and where things are; `calendar` in answers.yaml and each locale. */
export interface Calendar {
  weekdays: string
  weekend: string
  daily: string
  /** Sunday first, as Date.getDay() counts. */
  weekdayNames: string[]
  today: string
  tomorrow: string
  alwaysOpen: string
  /** Between two opening spans of one day ("8:00-12:00、13:30-17:00"). */
  spanSeparator: string
  /** Between the rules of different days, and between items of a list in a sentence. */
  listSeparator: string
  /** A schedule's note after its hours: "（{{note}}）". */
  note: string
  /** Floors ("{{floor}}楼", " {{floor}}F") and basement floors ("地下{{floor}}"). */
  floor: string
  basement: string
  /** A place's detail after its building and floor ("{{detail}}", ", {{detail}}"). */
  detail: string
  /** Between two sentences of one reply: nothing in Chinese, a space in English. */
  sentenceGap: string
  /**
   * A sum of money as the language writes it, a regular expression ("\\d+元"): an answer that states
   * one (the parking fee) answers price questions about its topic. Optional: without it, every price
   * question gets the "no price list" reply.
   */
  money?: string
}

/** The Chinese calendar; knowledge published before calendars were data has none of its own. */
export const ZH_CALENDAR: Calendar = {
  weekdays: '周一至周五',
  weekend: '周六、周日',
  daily: '每天',
  weekdayNames: ['周日', '周一', '周二', '周三', '周四', '周五', '周六'],
  today: '今天',
  tomorrow: '明天',
  alwaysOpen: '24小时开放',
  spanSeparator: '、',
  listSeparator: '；',
  note: '（{{note}}）',
  floor: '{{floor}}楼',
  basement: '地下{{floor}}',
  detail: '{{detail}}',
  sentenceGap: '',
}

const fill = (tpl: string, key: string, value: string) => tpl.split(`{{${key}}}`).join(value)

/** Local wall-clock time in the hospital's time zone, the only clock answers may depend on. */
export interface LocalTime {
  weekday: number
  minutes: number
  label: string
}

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
      fmt = new Intl.DateTimeFormat('en-US', {
        timeZone,
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
      })
      formatters.set(timeZone, fmt)
    }
    const p = Object.fromEntries(fmt.formatToParts(at).map((x) => [x.type, x.value]))
    const asUtc = Date.UTC(
      Number(p.year),
      Number(p.month) - 1,
      Number(p.day),
      Number(p.hour),
      Number(p.minute),
    )
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
  return { weekday, minutes: hour * 60 + minute, label: clockLabel({ weekday, minutes: hour * 60 + minute }) }
}

/** "周二 01:00", "Tue 01:00". */
export function clockLabel(
  t: { weekday: number; minutes: number },
  calendar: Calendar = ZH_CALENDAR,
): string {
  const hh = String(Math.floor(t.minutes / 60)).padStart(2, '0')
  const mm = String(t.minutes % 60).padStart(2, '0')
  return `${calendar.weekdayNames[t.weekday]} ${hh}:${mm}`
}

export function parseClock(hhmm: string): number {
  const m = /^(\d{1,2}):(\d{2})$/.exec(hhmm)
  if (!m) throw new Error(`malformed time "${hhmm}" (expected H:MM, e.g. 8:00 or 17:30)`)
  const h = Number(m[1])
  const min = Number(m[2])
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
  return schedule.rules.some(
    (r) => ruleApplies(r, t.weekday) && t.minutes >= parseClock(r.from) && t.minutes < parseClock(r.to),
  )
}

/** When a schedule next opens: in how many days (0 today), on which weekday, at which minute. */
export interface Opening {
  inDays: number
  weekday: number
  minutes: number
}

/** The next opening after `t`, within a week; none for a schedule that is always open or never. */
export function nextOpening(schedule: Schedule, t: LocalTime): Opening | undefined {
  if (schedule.always) return undefined
  for (let inDays = 0; inDays < 8; inDays++) {
    const weekday = (t.weekday + inDays) % 7
    const starts = schedule.rules
      .filter((r) => ruleApplies(r, weekday))
      .map((r) => parseClock(r.from))
      .filter((m) => inDays > 0 || m > t.minutes)
      .sort((a, b) => a - b)
    if (starts.length) return { inDays, weekday, minutes: starts[0]! }
  }
  return undefined
}

/** "今天 7:30", "tomorrow 7:30", "周一 7:30". */
export function openingLabel(o: Opening, calendar: Calendar): string {
  const day =
    o.inDays === 0 ? calendar.today : o.inDays === 1 ? calendar.tomorrow : calendar.weekdayNames[o.weekday]
  return `${day} ${Math.floor(o.minutes / 60)}:${String(o.minutes % 60).padStart(2, '0')}`
}

/** "周一至周五 8:00-12:00、13:30-17:00；周六、周日 8:00-12:00（note）" */
export function renderSchedule(schedule: Schedule, calendar: Calendar = ZH_CALENDAR): string {
  if (schedule.always) return calendar.alwaysOpen
  const byDays = new Map<DaySet, ScheduleRule[]>()
  for (const r of schedule.rules) byDays.set(r.days, [...(byDays.get(r.days) ?? []), r])
  return [...byDays]
    .map(([days, rules]) => {
      const spans = rules.map((r) => `${r.from}-${r.to}`).join(calendar.spanSeparator)
      const notes = rules.map((r) => r.note).filter((n): n is string => !!n)
      const note = notes.length ? fill(calendar.note, 'note', notes.join(calendar.listSeparator)) : ''
      return `${calendar[days]} ${spans}${note}`
    })
    .join(calendar.listSeparator)
}

/** Only the rules for the day kind asked about ("周末有门诊吗"). */
export function renderScheduleFor(
  schedule: Schedule,
  days: 'weekend' | 'weekdays',
  calendar: Calendar = ZH_CALENDAR,
): string | undefined {
  if (schedule.always) return undefined
  const rules = schedule.rules.filter((r) => r.days === days || r.days === 'daily')
  if (!rules.length) return undefined
  return renderSchedule({ ...schedule, rules }, calendar)
}

/** "门诊楼2楼", "Outpatient Building 2F, west side". */
export function renderWhere(
  building: string,
  floor: number | string | undefined,
  detail: string | undefined,
  calendar: Calendar = ZH_CALENDAR,
): string {
  const f =
    floor === undefined
      ? ''
      : fill(/^B/i.test(String(floor)) ? calendar.basement : calendar.floor, 'floor', String(floor))
  return `${building}${f}${detail ? fill(calendar.detail, 'detail', detail) : ''}`
}

export function validateSchedule(s: Schedule): string[] {
  const errors: string[] = []
  if (!s.always && !s.rules.length) errors.push(`schedules.${s.id}: needs rules or always: true`)
  for (const [i, r] of s.rules.entries()) {
    if (!['weekdays', 'weekend', 'daily'].includes(r.days)) {
      errors.push(`schedules.${s.id}.rules[${i}].days: must be weekdays, weekend or daily`)
    }
    try {
      if (parseClock(r.from) >= parseClock(r.to)) {
        errors.push(`schedules.${s.id}.rules[${i}]: opens at ${r.from} but closes at ${r.to}`)
      }
    } catch (e) {
      errors.push(`schedules.${s.id}.rules[${i}]: ${(e as Error).message}`)
    }
  }
  return errors
}
