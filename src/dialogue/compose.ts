import { calendarOf, factScope, placeWhere } from '../knowledge-base/load.js'
import {
  clockLabel,
  isOpen,
  localTime,
  nextOpening,
  openingLabel,
  renderSchedule,
  renderScheduleFor,
  renderWhere,
  type Calendar,
  type LocalTime,
} from '../knowledge-base/schedule.js'
import { render } from '../knowledge-base/template.js'
import type { Exam, KnowledgeBase, Place, Schedule } from '../knowledge-base/types.js'
import type { TimeWord } from '../nlu/entities.js'

/** A composed reply; `known: false` means the facts do not cover the question (never guess). */
export interface Composed {
  reply: string
  known: boolean
}

// 18:30, 20:00, 22:00, 02:00: the evening clinic hours and the small hours.
const NIGHT_MINUTES = [18 * 60 + 30, 20 * 60, 22 * 60, 2 * 60]

interface Moment {
  label: string
  at: LocalTime[]
  now: boolean
}

/**
 * Turns facts into answers in the knowledge base's language. Every sentence comes from a template in
 * knowledge/answers.yaml (or a locale's answers) filled with facts from knowledge/; the only things
 * computed here are which facts apply and whether a place is open at the time asked about.
 */
export class Composer {
  private readonly scope: Record<string, unknown>
  private readonly rendered = new Map<string, string>()
  readonly calendar: Calendar

  constructor(
    readonly kb: KnowledgeBase,
    private readonly timeZone: string,
  ) {
    this.scope = factScope(kb)
    this.calendar = calendarOf(kb)
  }

  get language(): string {
    return this.kb.language
  }

  // A place's whereabouts and a schedule's hours read the same for the whole knowledge version.
  private readonly wheres = new WeakMap<Place, string>()
  private readonly hours = new WeakMap<Schedule, string>()
  private where(p: Place): string {
    return memo(this.wheres, p, () => placeWhere(p, this.calendar))
  }
  private hoursOf(s: Schedule): string {
    return memo(this.hours, s, () => renderSchedule(s, this.calendar))
  }
  private list(items: string[]): string {
    return items.join(this.calendar.listSeparator)
  }

  /** Sentences of one reply, spaced as the language writes them. */
  join(...parts: string[]): string {
    return parts.filter(Boolean).join(this.calendar.sentenceGap)
  }

  text(
    section: 'intents' | 'fallbacks' | 'phrases' | 'handoff' | 'suggestions',
    key: string,
    vars?: Record<string, string>,
  ): string {
    const tpl = this.kb.templates[section]?.[key]
    if (tpl === undefined) throw new Error(`answers.${section}.${key} is missing`)
    // An empty {{hint}} must not leave a double space in a spaced language.
    if (vars) return render(tpl, vars, this.scope).replace(/ {2,}/g, ' ').trim()
    // Templates of facts only are the same every time: rendered once per knowledge version.
    const cacheKey = `${section}.${key}`
    let out = this.rendered.get(cacheKey)
    if (out === undefined) {
      out = render(tpl, this.scope)
      this.rendered.set(cacheKey, out)
    }
    return out
  }

  /** Any text with {{fact}} placeholders (canned replies). */
  render(template: string, vars: Record<string, string> = {}): string {
    return render(template, vars, this.scope)
  }

  /** A word of the hospital's own rules (科室主任) in this language, if the locale translates it. */
  translate(text: string): string {
    return this.kb.translations?.[text] ?? text
  }

  private readonly priced = new Map<string, boolean>()
  private money: RegExp | undefined

  /** Whether an intent's answer states a sum of money (the parking fee): it answers price questions. */
  statesPrice(intent: string): boolean {
    let priced = this.priced.get(intent)
    if (priced === undefined) {
      if (this.calendar.money) this.money ??= new RegExp(this.calendar.money, 'iu')
      priced = !!this.money && this.has('intents', intent) && this.money.test(this.text('intents', intent))
      this.priced.set(intent, priced)
    }
    return priced
  }

  has(section: 'intents' | 'fallbacks' | 'suggestions' | 'handoff', key: string): boolean {
    return this.kb.templates[section]?.[key] !== undefined
  }

  place(id: string): Place | undefined {
    return this.kb.places.get(id)
  }
  exam(id: string): Exam | undefined {
    return this.kb.exams.get(id)
  }

  /**
   * The moment an answer is about: now, or the evening and night of today when the patient says 晚上
   * (a place counts as open at night if it is open at any of those times).
   */
  private moment(times: TimeWord[], now: Date): Moment | undefined {
    if (!times.includes('now') && !times.includes('night')) return undefined
    const t = localTime(now, this.timeZone)
    if (times.includes('now')) return { label: clockLabel(t, this.calendar), at: [t], now: true }
    return {
      label: this.text('phrases', 'night'),
      at: NIGHT_MINUTES.map((minutes) => ({ ...t, minutes })),
      now: false,
    }
  }

  private openAt(p: Place, m: Moment): boolean {
    const s = p.hours ? this.kb.facts.schedules[p.hours] : undefined
    return !!s && m.at.some((t) => isOpen(s, t))
  }

  private placeLine(p: Place): string {
    const s = p.hours ? this.kb.facts.schedules[p.hours] : undefined
    const vars = { name: p.name, where: this.where(p) }
    return s
      ? this.text('phrases', 'placeLineHours', { ...vars, hours: this.hoursOf(s) })
      : this.text('phrases', 'placeLine', vars)
  }

  /** "药房在哪" at 01:00: what is open now first, then what is closed. */
  placeLocation(placeIds: string[], times: TimeWord[], now: Date): Composed {
    const places = placeIds.map((id) => this.place(id)).filter((p): p is Place => !!p)
    if (!places.length) return { reply: this.text('phrases', 'askPlace'), known: false }
    const m = this.moment(times, now)
    if (m && places.some((p) => p.hours)) return { reply: this.openStatus(places, m), known: true }
    if (places.length === 1) {
      const p = places[0]!
      const name = p.services
        ? this.text('phrases', 'nameServices', { name: p.name, services: p.services })
        : p.name
      return { reply: this.text('phrases', 'location', { name, where: this.where(p) }), known: true }
    }
    return {
      reply: this.text('phrases', 'sentence', { list: this.list(places.map((p) => this.placeLine(p))) }),
      known: true,
    }
  }

  /**
   * "医技楼在哪", "门诊楼和医技楼怎么过去": the knowledge has no campus map, but it says what each floor
   * of a building holds and which buildings connect. Two buildings named: how they connect, if known.
   */
  buildings(names: string[]): Composed {
    const corridor = this.kb.facts.hospital['corridor']
    const link = typeof corridor === 'string' && names.every((n) => corridor.includes(n)) ? corridor : ''
    const linkLine = link ? this.text('phrases', 'sentence', { list: link }) : ''
    if (names.length > 1 && linkLine) return { reply: linkLine, known: true }
    const name = names[names.length - 1]!
    const floors = new Map<string, string[]>()
    for (const p of this.kb.places.values()) {
      if (p.building !== name || p.floor === undefined) continue
      const floor = renderWhere('', p.floor, undefined, this.calendar).trim()
      floors.set(floor, [...(floors.get(floor) ?? []), p.name])
    }
    if (!floors.size) return { reply: this.text('phrases', 'askPlace'), known: false }
    const lines = [...floors].map(([floor, places]) =>
      this.text('phrases', 'buildingFloor', { floor, list: places.join(this.calendar.spanSeparator) }),
    )
    return {
      reply: this.join(this.text('phrases', 'building', { name, floors: this.list(lines) }), linkLine),
      known: true,
    }
  }

  private openStatus(places: Place[], m: Moment): string {
    const open = places.filter((p) => this.openAt(p, m))
    const closed = places.filter((p) => !open.includes(p))
    const parts: string[] = []
    const when = m.now ? this.text('phrases', 'nowLabel', { clock: m.label }) : m.label
    if (open.length) {
      parts.push(
        this.text('phrases', 'openList', { when, list: this.list(open.map((p) => this.placeLine(p))) }),
      )
    }
    if (closed.length) {
      parts.push(
        this.text('phrases', 'closedList', {
          when: open.length ? this.text('phrases', 'atThatTime') : when,
          list: this.list(closed.map((p) => this.placeLine(p))),
        }),
      )
      for (const p of closed) {
        const note = p.hours ? this.kb.facts.schedules[p.hours]?.closedNote : undefined
        const line = note ? this.text('phrases', 'sentence', { list: note }) : undefined
        if (line && !parts.includes(line)) parts.push(line)
      }
      if (!open.length && closed.some((p) => this.isClinic(p))) parts.push(...this.alternativesOpen(m))
    }
    return this.join(...parts)
  }

  /** Clinics keep the outpatient hours; when they are closed the night clinic or 急诊 is the way. */
  private isClinic(p: Place): boolean {
    return p.kind === 'department' || p.id === 'outpatient'
  }

  /** "现在（周二 01:00）心血管内科已关闭。夜间可以去：急诊科…" */
  private nowStatus(p: Place, m: Moment): string {
    const s = this.kb.facts.schedules[p.hours!]!
    if (this.openAt(p, m)) return this.text('phrases', 'openNow', { clock: m.label, name: p.name })
    const note = s.closedNote ? this.text('phrases', 'sentence', { list: s.closedNote }) : ''
    const instead = this.isClinic(p) ? this.join(...this.alternativesOpen(m)) : ''
    return this.join(this.text('phrases', 'closedNow', { clock: m.label, name: p.name }), note, instead)
  }

  /** When a clinic is closed, what the patient can use instead at that moment (night clinic, 急诊). */
  private alternativesOpen(m: Moment): string[] {
    const related = (this.place('outpatient')?.related ?? [])
      .map((id) => this.place(id))
      .filter((p): p is Place => !!p && this.openAt(p, m))
    return related.length
      ? [this.text('phrases', 'openAtNight', { list: this.list(related.map((p) => this.placeLine(p))) })]
      : []
  }

  placeHours(placeIds: string[], times: TimeWord[], now: Date): Composed {
    const places = placeIds.map((id) => this.place(id)).filter((p): p is Place => !!p)
    if (!places.length) return { reply: this.text('phrases', 'askPlace'), known: false }
    const withHours = places.filter((p) => p.hours)
    if (!withHours.length) {
      return {
        reply: this.join(
          this.text('phrases', 'location', { name: places[0]!.name, where: this.where(places[0]!) }),
          this.text('fallbacks', 'no_fact'),
        ),
        known: false,
      }
    }
    const parts: string[] = []
    const m = this.moment(times, now)
    // "现在药房开着吗" about several places: which are open and which are not, each with its hours,
    // rather than the clock repeated in a sentence per place and the hours listed again after. A
    // question about weekends or holidays, or places with related ones, keeps the full answer below.
    const plain =
      !times.includes('weekend') && !times.includes('holiday') && withHours.every((p) => !p.related?.length)
    if (m?.now && withHours.length > 1 && plain) return { reply: this.openStatus(withHours, m), known: true }
    if (m?.now) parts.push(...withHours.map((p) => this.nowStatus(p, m)))
    for (const p of withHours) {
      const s = this.kb.facts.schedules[p.hours!]!
      const focus = times.includes('weekend') ? renderScheduleFor(s, 'weekend', this.calendar) : undefined
      const hours = focus ?? this.hoursOf(s)
      parts.push(this.text('phrases', 'hours', { name: this.nameWhere(p), hours }))
      if (times.includes('weekend') && !s.always && !focus) {
        parts.push(this.text('phrases', 'closedWeekend', { name: p.name }))
      }
      if (times.includes('holiday') && s.holidays) {
        parts.push(this.text('phrases', 'sentence', { list: s.holidays }))
      }
      for (const r of p.related ?? []) {
        const rp = this.place(r)
        if (rp?.hours) {
          parts.push(
            this.text('phrases', 'hours', {
              name: this.nameWhere(rp),
              hours: this.hoursOf(this.kb.facts.schedules[rp.hours]!),
            }),
          )
        }
      }
    }
    return { reply: this.join(...new Set(parts)), known: true }
  }

  private nameWhere(p: Place): string {
    return this.text('phrases', 'nameWhere', { name: p.name, where: this.where(p) })
  }

  examPreparation(examId: string | undefined, appointment?: number): Composed {
    const exam = examId ? this.exam(examId) : undefined
    if (!exam) return { reply: this.text('phrases', 'askExam'), known: false }
    const where = this.examWhere(exam)
    if (exam.variants?.length && !exam.preparation) {
      const lines = exam.variants
        .map((v) => this.exam(v))
        .filter((e): e is Exam => !!e && !!e.preparation)
        .map((e) =>
          this.text('phrases', 'examVariantLine', { name: e.name, steps: this.list(e.preparation!) }),
        )
      if (lines.length) {
        return {
          reply: this.join(this.text('phrases', 'examVariants', { name: exam.name }), ...lines, where),
          known: true,
        }
      }
    }
    if (!exam.preparation?.length) {
      return { reply: this.text('phrases', 'examNoPrep', { name: exam.name }), known: false }
    }
    const schedule = exam.hoursOf ? this.kb.facts.schedules[exam.hoursOf]! : undefined
    const hours = schedule
      ? this.text('phrases', 'examHours', { name: schedule.label, hours: this.hoursOf(schedule) })
      : ''
    return {
      reply: this.join(
        ...(appointment !== undefined && exam.fasting ? [this.fastingTimes(exam.fasting, appointment)] : []),
        this.text('phrases', 'examPrep', { name: exam.name, steps: this.list(exam.preparation) }),
        hours,
        where,
      ),
      known: true,
    }
  }

  /** "按8:00检查算：0:00以后不要再吃东西，6:00以后不要再喝水" from the exam's fasting hours. */
  private fastingTimes(fasting: NonNullable<Exam['fasting']>, appointment: number): string {
    const clock = (minutes: number) => {
      const m = ((minutes % 1440) + 1440) % 1440
      const label = `${Math.floor(m / 60)}:${String(m % 60).padStart(2, '0')}`
      return minutes < 0 ? this.text('phrases', 'dayBefore', { clock: label }) : label
    }
    const vars = { time: clock(appointment), food: clock(appointment - fasting.foodHours * 60) }
    return fasting.waterHours
      ? this.text('phrases', 'examPrepAtWater', {
          ...vars,
          water: clock(appointment - fasting.waterHours * 60),
        })
      : this.text('phrases', 'examPrepAt', vars)
  }

  private examWhere(exam: Exam): string {
    const p = exam.place ? this.place(exam.place) : undefined
    return p ? this.text('phrases', 'examPlace', { name: p.name, where: this.where(p) }) : ''
  }

  examPlaces(examId: string): string[] {
    const exam = this.exam(examId)
    if (!exam) return []
    if (exam.place) return [exam.place]
    return [...new Set((exam.variants ?? []).map((v) => this.exam(v)?.place).filter((p): p is string => !!p))]
  }

  /** Whether the knowledge says when an exam's report is ready (itself or each of its kinds). */
  knowsReport(examId: string): boolean {
    const exam = this.exam(examId)
    return !!exam && (!!exam.report || (exam.variants ?? []).some((v) => !!this.exam(v)?.report))
  }

  reportTime(examId: string | undefined): Composed {
    const exam = examId ? this.exam(examId) : undefined
    const where = this.text('phrases', 'reportWhere')
    if (!exam) {
      const lines = [...this.kb.exams.values()]
        .filter((e) => e.report && !e.variants)
        .map((e) => this.text('phrases', 'reportTime', { name: e.name, report: e.report! }))
      return { reply: this.join(...lines, where), known: true }
    }
    const items = exam.report
      ? [exam]
      : (exam.variants ?? []).map((v) => this.exam(v)).filter((e): e is Exam => !!e)
    const withReport = items.filter((e) => e.report)
    if (!withReport.length) {
      return {
        reply: this.join(
          this.text('phrases', 'reportUnknown', { name: exam.name }),
          this.text('fallbacks', 'no_fact'),
        ),
        known: false,
      }
    }
    return {
      reply: this.join(
        ...withReport.map((e) => this.text('phrases', 'reportTime', { name: e.name, report: e.report! })),
        where,
      ),
      known: true,
    }
  }

  /** A FAQ answer, prefixed by whether its counter is open when the patient asks "现在…". */
  faq(intent: string, times: TimeWord[], now: Date): Composed {
    const base = this.text('intents', intent)
    const scheduleId = this.kb.templates.clock?.[intent]
    const m = this.moment(times, now)
    if (!scheduleId || !m?.now) return { reply: base, known: true }
    const s = this.kb.facts.schedules[scheduleId]!
    const status = m.at.some((t) => isOpen(s, t))
      ? this.text('phrases', 'openNow', { clock: m.label, name: s.label })
      : this.text('phrases', 'closedNowHours', { clock: m.label, name: s.label, hours: this.hoursOf(s) })
    return { reply: this.join(status, base), known: true }
  }

  /**
   * Which department a problem usually goes to (triage.yaml), never a diagnosis. At a time it is
   * closed (`now`: nights, weekends) the patient is told when it opens and what is open instead, so
   * nobody is sent to a closed clinic at 03:00.
   */
  triageHint(symptom: string | undefined, text: string, now?: Date): string {
    const p = this.triagePlace(symptom, text)
    return p ? (now && this.closedHint(p, now)) || this.suggest(p) : ''
  }

  /** The department a condition, body part or procedure usually goes to (triage.yaml), if any. */
  triagePlace(symptom: string | undefined, text: string): Place | undefined {
    for (const rule of this.kb.triage) {
      if (rule.keywords.some((k) => text.includes(k) || (symptom ?? '').includes(k))) {
        const p = [...this.kb.places.values()].find(
          (pl) => pl.name === rule.department || pl.aliases.includes(rule.department),
        )
        if (p) return p
      }
    }
    return undefined
  }

  private suggest(p: Place): string {
    return this.text('phrases', 'triageHint', { department: p.name, where: this.where(p) })
  }

  /** The department is closed at `now`: when it opens, and its clinic's related places open now. */
  private closedHint(p: Place, now: Date): string | undefined {
    const schedule = p.hours ? this.kb.facts.schedules[p.hours] : undefined
    const t = localTime(now, this.timeZone)
    if (!schedule || isOpen(schedule, t)) return undefined
    const next = nextOpening(schedule, t)
    // The clinic that keeps this schedule (门诊) names where to go when it is closed (its related places).
    const clinic = [...this.kb.places.values()].find((c) => c.kind === 'facility' && c.hours === p.hours)
    const open = (clinic?.related ?? [])
      .map((id) => this.kb.places.get(id))
      .filter((o): o is Place => !!o?.hours && isOpen(this.kb.facts.schedules[o.hours]!, t))
      .map((o) =>
        this.text('phrases', 'openPlace', {
          name: o.name,
          where: this.where(o),
          hours: this.hoursOf(this.kb.facts.schedules[o.hours!]!),
        }),
      )
    if (!next || !open.length) return undefined
    return this.text('phrases', 'triageHintClosed', {
      department: p.name,
      where: this.where(p),
      next: openingLabel(next, this.calendar),
      open: this.list(open),
    })
  }

  suggestion(intent: string, entity?: string): string | undefined {
    const tpl = this.kb.templates.suggestions?.[intent]
    if (!tpl) return undefined
    if (tpl.includes('{{entity}}') && !entity) return undefined
    return this.text('suggestions', intent, entity ? { entity } : {})
  }
}

function memo<K extends object>(cache: WeakMap<K, string>, key: K, make: () => string): string {
  let v = cache.get(key)
  if (v === undefined) {
    v = make()
    cache.set(key, v)
  }
  return v
}
