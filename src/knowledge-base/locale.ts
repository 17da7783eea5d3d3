import type { Calendar } from './schedule.js'
import type {
  Exam,
  Intent,
  KnowledgeBase,
  Place,
  PlaceGroup,
  Schedule,
  Templates,
  TriageRule,
} from './types.js'

/** The language the knowledge files are written in; other languages are overlays on it. */
export const BASE_LANGUAGE = 'zh'

/** An English (or other) name of something stored once in the base files, and what patients type for it. */
export interface LocaleName {
  name: string
  aliases?: string[]
}

/**
 * knowledge/locales/<code>.yaml: a language as an overlay on the facts, never a copy of them. Floors,
 * hours, phone numbers and which place is where are stored once, in the base files; a locale holds
 * names, answer wording and translations of the prose facts, keyed by the base text itself, so when an
 * admin edits a fact the old translation stops matching and the change is never hidden by it.
 */
export interface LocaleSource {
  language: { code: string; name: string }
  hospital?: { name?: string }
  buildings?: Record<string, LocaleName>
  places?: Record<string, LocaleName>
  groups?: Record<string, LocaleName>
  exams?: Record<string, LocaleName>
  schedules?: Record<string, string>
  translations?: Record<string, string>
  answers?: Partial<Omit<Templates, 'clock'>>
  calendar?: Calendar
  /** Department hints for symptoms, in the locale's words; department: a place id. */
  triage?: TriageRule[]
  /** Canned replies for agents, by id as in canned-replies.yaml. */
  canned?: Record<string, { label?: string; text: string }>
}

export interface LanguageSource {
  locale: LocaleSource
  intents: Intent[]
}

const LATIN_ONLY = /^[\p{Script=Latin}\d\s.&'-]+$/u
/** The sections of answers.yaml that are sentences (clock maps intents to schedules). */
export const TEMPLATE_SECTIONS = ['intents', 'fallbacks', 'phrases', 'handoff', 'suggestions'] as const

/**
 * The knowledge base as one language sees it: the same places, hours and exams with the locale's
 * names and wording. Names keep their base aliases too, so "where is 心内科" is understood in English.
 * What the locale does not translate stays in the base language and is listed in `untranslated`, for
 * admins: an untranslated fact is shown as written, never dropped or guessed.
 */
export function localise(base: KnowledgeBase, source: LanguageSource): KnowledgeBase {
  const { locale } = source
  const untranslated = new Set<string>()
  const tr = (text: string | undefined, at: string): string | undefined => {
    if (text === undefined) return undefined
    const t = locale.translations?.[text]
    if (t === undefined) untranslated.add(`${at}: ${text}`)
    return t ?? text
  }
  const named = <T extends { name: string; aliases: string[] }>(
    item: T,
    entry: LocaleName | undefined,
    at: string,
  ): T => {
    if (!entry) untranslated.add(`${at}.name: ${item.name}`)
    // Base names stay understood ("where is 心内科"), but not their Latin-only aliases ("dr" for 放射科),
    // which would fire on English words.
    const base = [...(entry ? [item.name] : []), ...item.aliases].filter((a) => !LATIN_ONLY.test(a))
    return {
      ...item,
      name: entry?.name ?? item.name,
      aliases: [...(entry?.aliases ?? []).map(String), ...base],
    }
  }

  const hospital = base.facts.hospital
  const buildingName = new Map<string, string>()
  const buildings = hospital.buildings.map((b) => {
    const entry = locale.buildings?.[b.id]
    if (!entry) untranslated.add(`buildings.${b.id}.name: ${b.name}`)
    buildingName.set(b.name, entry?.name ?? b.name)
    return {
      ...b,
      name: entry?.name ?? b.name,
      aliases: [...(entry?.aliases ?? []), ...(entry ? [b.name] : []), ...(b.aliases ?? [])].filter(
        (a) => !LATIN_ONLY.test(a) || entry?.aliases?.includes(a),
      ),
    }
  })
  const facts = {
    hospital: {
      ...(translateTree(
        hospital,
        'hospital',
        tr,
        new Set(['name', 'buildings', 'timezone', 'phones', 'wechat', 'wifi']),
      ) as typeof hospital),
      name: locale.hospital?.name ?? hospital.name,
      buildings,
    },
    services: translateTree(base.facts.services, 'services', tr) as Record<string, unknown>,
    schedules: Object.fromEntries(
      Object.entries(base.facts.schedules).map(([id, s]) => [
        id,
        localSchedule(s, locale.schedules?.[id], tr),
      ]),
    ),
  }
  if (!locale.hospital?.name) untranslated.add(`hospital.name: ${hospital.name}`)
  for (const [id, s] of Object.entries(base.facts.schedules)) {
    if (!locale.schedules?.[id]) untranslated.add(`schedules.${id}: ${s.label}`)
  }

  const places = new Map<string, Place>()
  for (const p of base.places.values()) {
    const at = `places.${p.id}`
    places.set(p.id, {
      ...named(p, locale.places?.[p.id], at),
      building: buildingName.get(p.building) ?? p.building,
      ...(p.detail ? { detail: tr(p.detail, `${at}.detail`)! } : {}),
      ...(p.services ? { services: tr(p.services, `${at}.services`)! } : {}),
    })
  }
  const groups: PlaceGroup[] = base.groups.map((g) => {
    const entry = locale.groups?.[g.name]
    if (!entry) untranslated.add(`groups.${g.name}.name: ${g.name}`)
    return {
      ...g,
      name: entry?.name ?? g.name,
      aliases: [...(entry?.aliases ?? []), ...g.aliases.filter((a) => !LATIN_ONLY.test(a))],
    }
  })
  const exams = new Map<string, Exam>()
  for (const e of base.exams.values()) {
    const at = `exams.${e.id}`
    exams.set(e.id, {
      ...named(e, locale.exams?.[e.id], at),
      ...(e.preparation
        ? { preparation: e.preparation.map((line, i) => tr(line, `${at}.preparation[${i}]`)!) }
        : {}),
      ...(e.report ? { report: tr(e.report, `${at}.report`)! } : {}),
    })
  }
  const templates = { ...base.templates } as Templates
  for (const section of TEMPLATE_SECTIONS) {
    const own = locale.answers?.[section] ?? {}
    templates[section] = { ...base.templates[section] }
    for (const key of Object.keys(base.templates[section] ?? {})) {
      if (own[key] !== undefined) templates[section][key] = own[key]
      else untranslated.add(`answers.${section}.${key}`)
    }
    for (const [key, text] of Object.entries(own)) templates[section][key] = text
  }
  if (locale.answers?.clarifyExamples) templates.clarifyExamples = locale.answers.clarifyExamples
  if (locale.calendar) templates.calendar = locale.calendar
  else untranslated.add('calendar')
  const triage = (locale.triage ?? []).map((r) => ({
    ...r,
    department: places.get(r.department)?.name ?? r.department,
  }))

  return {
    language: locale.language.code,
    facts,
    places,
    groups,
    exams,
    triage,
    templates,
    intents: source.intents,
    translations: locale.translations ?? {},
    untranslated: [...untranslated],
  }
}

function localSchedule(
  s: Schedule,
  label: string | undefined,
  tr: (t: string | undefined, at: string) => string | undefined,
): Schedule {
  const at = `schedules.${s.id}`
  return {
    ...s,
    label: label ?? s.label,
    rules: s.rules.map((r, i) => (r.note ? { ...r, note: tr(r.note, `${at}.rules[${i}].note`)! } : r)),
    ...(s.holidays ? { holidays: tr(s.holidays, `${at}.holidays`)! } : {}),
    ...(s.closedNote ? { closedNote: tr(s.closedNote, `${at}.closedNote`)! } : {}),
  }
}

/** Every text leaf translated, but for keys that are names, numbers and identifiers. */
function translateTree(
  node: unknown,
  at: string,
  tr: (t: string | undefined, at: string) => string | undefined,
  keep = new Set<string>(),
): unknown {
  if (typeof node === 'string') return tr(node, at)
  if (Array.isArray(node)) return node.map((n, i) => translateTree(n, `${at}[${i}]`, tr))
  if (node && typeof node === 'object') {
    return Object.fromEntries(
      Object.entries(node).map(([k, v]) => [k, keep.has(k) ? v : translateTree(v, `${at}.${k}`, tr)]),
    )
  }
  return node
}
