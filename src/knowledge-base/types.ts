/** The knowledge base as the bot uses it: hospital facts, places, exams, templates and intents. */
import type { Calendar } from './schedule.js'

export type DaySet = 'weekdays' | 'weekend' | 'daily'

export interface ScheduleRule {
  days: DaySet
  from: string
  to: string
  note?: string
}

export interface Schedule {
  id: string
  label: string
  always?: boolean
  rules: ScheduleRule[]
  holidays?: string
  closedNote?: string
}

export interface Place {
  id: string
  name: string
  kind: 'department' | 'facility' | 'ward'
  building: string
  floor?: number | string
  detail?: string
  hours?: string
  services?: string
  related?: string[]
  aliases: string[]
}

export interface PlaceGroup {
  name: string
  aliases: string[]
  places: string[]
}

export interface Exam {
  id: string
  name: string
  aliases: string[]
  place?: string
  preparation?: string[]
  report?: string
  variants?: string[]
  hoursOf?: string
  /** How long before the exam not to eat, and not to drink (the preparation's numbers, as fields). */
  fasting?: { foodHours: number; waterHours?: number }
}

export interface TriageRule {
  keywords: string[]
  department: string
}

export interface Intent {
  id: string
  description: string
  examples: string[]
}

export interface Templates {
  intents: Record<string, string>
  fallbacks: Record<string, string>
  phrases: Record<string, string>
  handoff: Record<string, string>
  suggestions: Record<string, string>
  clock: Record<string, string>
  /** How days, hours and floors are written; the Chinese calendar when absent. */
  calendar?: Calendar
  /** Names offered as suggestions when a question names no place or exam, by intent. */
  clarifyExamples?: Record<string, string[]>
}

export interface Facts {
  hospital: Record<string, unknown> & {
    name: string
    timezone?: string
    buildings: Array<{ id: string; name: string; aliases?: string[] }>
  }
  services: Record<string, unknown>
  schedules: Record<string, Schedule>
}

export interface KnowledgeBase {
  facts: Facts
  places: Map<string, Place>
  groups: PlaceGroup[]
  exams: Map<string, Exam>
  triage: TriageRule[]
  templates: Templates
  intents: Intent[]
  /** The language of names and wording (the base language, or a locale's). */
  language: string
  /** A locale's translations of base-language texts, for words outside the facts (rules' names). */
  translations?: Record<string, string>
  /** What a locale leaves in the base language (facts, names, answers), for admins to translate. */
  untranslated: string[]
  /** The same knowledge in other languages, by code (only on the base knowledge base). */
  languages?: Map<string, KnowledgeBase>
}
