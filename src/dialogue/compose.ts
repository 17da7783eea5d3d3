import { factScope, placeWhere } from '../knowledge-base/load.js'
import { isOpen, localTime, renderSchedule, renderScheduleFor, type LocalTime } from '../knowledge-base/schedule.js'
import { render } from '../knowledge-base/template.js'
import type { Exam, KnowledgeBase, Place } from '../knowledge-base/types.js'
import type { TimeWord } from '../nlu/entities.js'

/** A composed reply; `known: false` means the facts do not cover the question (never guess). */
export interface Composed { reply: string; known: boolean }

const NIGHT_MINUTES = 22 * 60

/**
 * Turns facts into Chinese answers. Every sentence comes from a template in knowledge/answers.yaml
 * filled with facts from knowledge/; the only things computed here are which facts apply and
 * whether a place is open at the time asked about.
 */
export class Composer {
  private readonly scope: Record<string, unknown>

  constructor(readonly kb: KnowledgeBase, private readonly timeZone: string) {
    this.scope = factScope(kb)
  }

  text(section: 'intents' | 'fallbacks' | 'phrases' | 'handoff' | 'suggestions', key: string, vars: Record<string, string> = {}): string {
    const tpl = this.kb.templates[section]?.[key]
    if (tpl === undefined) throw new Error(`answers.${section}.${key} is missing`)
    return render(tpl, vars, this.scope)
  }

  has(section: 'intents' | 'fallbacks' | 'suggestions' | 'handoff', key: string): boolean {
    return this.kb.templates[section]?.[key] !== undefined
  }

  place(id: string): Place | undefined { return this.kb.places.get(id) }
  exam(id: string): Exam | undefined { return this.kb.exams.get(id) }

  /** The moment an answer is about: now, or tonight when the patient says 晚上. */
  private moment(times: TimeWord[], now: Date): LocalTime | undefined {
    const t = localTime(now, this.timeZone)
    if (times.includes('now')) return t
    if (times.includes('night')) return { ...t, minutes: NIGHT_MINUTES, label: '夜间' }
    return undefined
  }

  private placeLine(p: Place): string {
    const s = p.hours ? this.kb.facts.schedules[p.hours] : undefined
    const hours = s ? `（${renderSchedule(s, this.text('phrases', 'alwaysOpen'))}）` : ''
    return `${p.name}在${placeWhere(p)}${hours}`
  }

  /** "药房在哪" at 01:00: what is open now first, then what is closed. */
  placeLocation(placeIds: string[], times: TimeWord[], now: Date): Composed {
    const places = placeIds.map((id) => this.place(id)).filter((p): p is Place => !!p)
    if (!places.length) return { reply: this.text('phrases', 'askPlace'), known: false }
    const m = this.moment(times, now)
    if (m && places.some((p) => p.hours)) return { reply: this.openStatus(places, m), known: true }
    if (places.length === 1) {
      const p = places[0]!
      const extra = p.services ? `（${p.services}）` : ''
      return { reply: this.text('phrases', 'location', { name: p.name + extra, where: placeWhere(p) }), known: true }
    }
    return { reply: places.map((p) => this.placeLine(p)).join('；') + '。', known: true }
  }

  private openStatus(places: Place[], m: LocalTime): string {
    const open = places.filter((p) => p.hours && isOpen(this.kb.facts.schedules[p.hours]!, m))
    const closed = places.filter((p) => !open.includes(p))
    const parts: string[] = []
    const clock = m.label
    if (open.length) parts.push(`现在（${clock}）开放的是：${open.map((p) => this.placeLine(p)).join('；')}。`)
    if (closed.length) {
      parts.push(`${closed.map((p) => this.placeLine(p)).join('；')}，${open.length ? '此时' : `现在（${clock}）`}已关闭。`)
      for (const p of closed) {
        const note = p.hours ? this.kb.facts.schedules[p.hours]?.closedNote : undefined
        if (note && !parts.includes(`${note}。`)) parts.push(`${note}。`)
      }
      if (!open.length && closed.some((p) => p.kind === 'department')) parts.push(...this.alternativesOpen(m))
    }
    return parts.join('')
  }

  /** "现在（周二 01:00）心血管内科已关闭。夜间可以去：急诊科…" */
  private nowStatus(p: Place, m: LocalTime): string {
    const s = this.kb.facts.schedules[p.hours!]!
    if (isOpen(s, m)) return this.text('phrases', 'openNow', { clock: m.label, name: p.name })
    const note = s.closedNote ? `${s.closedNote}。` : ''
    const instead = p.kind === 'department' || p.id === 'outpatient' ? this.alternativesOpen(m).join('') : ''
    return this.text('phrases', 'closedNow', { clock: m.label, name: p.name }) + note + instead
  }

  /** When a clinic is closed, what the patient can use instead at that moment (night clinic, 急诊). */
  private alternativesOpen(m: LocalTime): string[] {
    const outpatient = this.place('outpatient')
    const open = (outpatient?.related ?? []).map((id) => this.place(id)).filter((p): p is Place => !!p && !!p.hours && isOpen(this.kb.facts.schedules[p.hours]!, m))
    return open.length ? [this.text('phrases', 'openAtNight', { list: open.map((p) => this.placeLine(p)).join('；') })] : []
  }

  placeHours(placeIds: string[], times: TimeWord[], now: Date): Composed {
    const places = placeIds.map((id) => this.place(id)).filter((p): p is Place => !!p)
    if (!places.length) return { reply: this.text('phrases', 'askPlace'), known: false }
    const withHours = places.filter((p) => p.hours)
    if (!withHours.length) {
      return { reply: `${this.text('phrases', 'location', { name: places[0]!.name, where: placeWhere(places[0]!) })}${this.text('fallbacks', 'no_fact')}`, known: false }
    }
    const parts: string[] = []
    const m = this.moment(times, now)
    if (m && times.includes('now')) parts.push(...withHours.map((p) => this.nowStatus(p, m)))
    for (const p of withHours) {
      const s = this.kb.facts.schedules[p.hours!]!
      const focus = times.includes('weekend') ? renderScheduleFor(s, 'weekend') : undefined
      const hours = focus ?? renderSchedule(s, this.text('phrases', 'alwaysOpen'))
      parts.push(this.text('phrases', 'hours', { name: `${p.name}（${placeWhere(p)}）`, hours }))
      if (times.includes('weekend') && !s.always && !focus) parts.push(`${p.name}周末不开放。`)
      if (times.includes('holiday') && s.holidays) parts.push(`${s.holidays}。`)
      for (const r of p.related ?? []) {
        const rp = this.place(r)
        if (rp?.hours) parts.push(this.text('phrases', 'hours', { name: `${rp.name}（${placeWhere(rp)}）`, hours: renderSchedule(this.kb.facts.schedules[rp.hours]!, this.text('phrases', 'alwaysOpen')) }))
      }
    }
    return { reply: [...new Set(parts)].join(''), known: true }
  }

  examPreparation(examId: string | undefined): Composed {
    const exam = examId ? this.exam(examId) : undefined
    if (!exam) return { reply: this.text('phrases', 'askExam'), known: false }
    const where = this.examWhere(exam)
    if (exam.variants?.length && !exam.preparation) {
      const lines = exam.variants.map((v) => this.exam(v)).filter((e): e is Exam => !!e && !!e.preparation)
        .map((e) => `${e.name}：${e.preparation!.join('；')}`)
      if (lines.length) return { reply: `${this.text('phrases', 'examVariants', { name: exam.name })}${lines.join('。')}。${where}`, known: true }
    }
    if (!exam.preparation?.length) return { reply: this.text('phrases', 'examNoPrep', { name: exam.name }), known: false }
    const hours = exam.hoursOf ? `${this.kb.facts.schedules[exam.hoursOf]!.label}时间：${renderSchedule(this.kb.facts.schedules[exam.hoursOf]!)}。` : ''
    return { reply: `${this.text('phrases', 'examPrep', { name: exam.name, steps: exam.preparation.join('；') })}${hours}${where}`, known: true }
  }

  private examWhere(exam: Exam): string {
    const p = exam.place ? this.place(exam.place) : undefined
    return p ? this.text('phrases', 'examPlace', { where: `${placeWhere(p)}${p.name}` }) : ''
  }

  examPlaces(examId: string): string[] {
    const exam = this.exam(examId)
    if (!exam) return []
    if (exam.place) return [exam.place]
    return [...new Set((exam.variants ?? []).map((v) => this.exam(v)?.place).filter((p): p is string => !!p))]
  }

  reportTime(examId: string | undefined): Composed {
    const exam = examId ? this.exam(examId) : undefined
    const where = this.text('phrases', 'reportWhere')
    if (!exam) {
      const lines = [...this.kb.exams.values()].filter((e) => e.report && !e.variants).map((e) => this.text('phrases', 'reportTime', { name: e.name, report: e.report! }))
      return { reply: lines.join('') + where, known: true }
    }
    const items = exam.report ? [exam] : (exam.variants ?? []).map((v) => this.exam(v)).filter((e): e is Exam => !!e)
    const withReport = items.filter((e) => e.report)
    if (!withReport.length) return { reply: `${exam.name}的出报告时间我这里没有准确资料。${this.text('fallbacks', 'no_fact')}`, known: false }
    return { reply: withReport.map((e) => this.text('phrases', 'reportTime', { name: e.name, report: e.report! })).join('') + where, known: true }
  }

  /** A FAQ answer, prefixed by whether its counter is open when the patient asks "现在…". */
  faq(intent: string, times: TimeWord[], now: Date): Composed {
    const base = this.text('intents', intent)
    const scheduleId = this.kb.templates.clock?.[intent]
    const m = this.moment(times, now)
    if (!scheduleId || !m) return { reply: base, known: true }
    const s = this.kb.facts.schedules[scheduleId]!
    const status = isOpen(s, m) ? `现在（${m.label}）${s.label}正在开放。` : `现在（${m.label}）${s.label}已关闭（${renderSchedule(s)}）。`
    return { reply: status + base, known: true }
  }

  triageHint(symptom: string | undefined, text: string): string {
    for (const rule of this.kb.triage) {
      if (rule.keywords.some((k) => text.includes(k) || (symptom ?? '').includes(k))) {
        const p = [...this.kb.places.values()].find((pl) => pl.name === rule.department || pl.aliases.includes(rule.department))
        if (p) return this.text('phrases', 'triageHint', { department: p.name, where: placeWhere(p) })
      }
    }
    return ''
  }

  suggestion(intent: string, entity?: string): string | undefined {
    const tpl = this.kb.templates.suggestions?.[intent]
    if (!tpl) return undefined
    if (tpl.includes('{{entity}}') && !entity) return undefined
    return this.text('suggestions', intent, entity ? { entity } : {})
  }
}
