import { readFileSync, readdirSync, existsSync } from 'node:fs'
import path from 'node:path'
import { parseYaml, toYaml } from './yaml.js'
import { placeholders, lookup } from './template.js'
import {
  BASE_LANGUAGE,
  localise,
  TEMPLATE_SECTIONS,
  type LanguageSource,
  type LocaleSource,
} from './locale.js'
import { renderSchedule, renderWhere, validateSchedule, ZH_CALENDAR, type Calendar } from './schedule.js'
import { idProblems, LIMITS } from './limits.js'
import { KnowledgeError } from './errors.js'
import type {
  Exam,
  Facts,
  Intent,
  KnowledgeBase,
  Place,
  PlaceGroup,
  Schedule,
  Templates,
  TriageRule,
} from './types.js'

export function readYaml<T>(file: string): T {
  try {
    return parseYaml(readFileSync(file, 'utf8')) as T
  } catch (e) {
    throw new KnowledgeError([`${file}: ${(e as Error).message}`])
  }
}

/** Reads knowledge/ and intents/<lang>/ and checks them; every problem is reported at once. */
export function loadKnowledgeBase(knowledgeDir: string, intentsDir: string, lang = 'zh'): KnowledgeBase {
  return buildKnowledgeBase(readKnowledgeSource(knowledgeDir, intentsDir, lang))
}

/**
 * The editable knowledge as one JSON document (what admins change, what a version stores): the same
 * content as the YAML files in knowledge/ and intents/<lang>/.
 */
export function readKnowledgeSource(knowledgeDir: string, intentsDir: string, lang = 'zh'): KnowledgeSource {
  const dir = path.join(intentsDir, lang)
  if (!existsSync(dir)) throw new KnowledgeError([`${dir}: intents folder not found`])
  const files: Record<string, string> = {}
  for (const f of KNOWLEDGE_FILES) {
    if (existsSync(path.join(knowledgeDir, f))) {
      files[`knowledge/${f}`] = readFileSync(path.join(knowledgeDir, f), 'utf8')
    }
  }
  const yamlIn = (d: string) =>
    existsSync(d)
      ? readdirSync(d)
          .filter((x) => x.endsWith('.yaml'))
          .sort()
      : []
  for (const f of yamlIn(dir)) files[`intents/${lang}/${f}`] = readFileSync(path.join(dir, f), 'utf8')
  // Other languages: a locale file, and the intents of that language (language.yaml is not an intent).
  for (const f of yamlIn(path.join(knowledgeDir, LOCALES))) {
    files[`knowledge/${LOCALES}/${f}`] = readFileSync(path.join(knowledgeDir, LOCALES, f), 'utf8')
    const code = path.basename(f, '.yaml')
    for (const i of yamlIn(path.join(intentsDir, code)).filter((x) => x !== 'language.yaml')) {
      files[`intents/${code}/${i}`] = readFileSync(path.join(intentsDir, code, i), 'utf8')
    }
  }
  return sourceFromFiles(files, lang)
}

/** The knowledge files a source is made of (besides intents/<lang>/*.yaml). */
export const KNOWLEDGE_FILES = [
  'hospital.yaml',
  'services.yaml',
  'schedules.yaml',
  'places.yaml',
  'exams.yaml',
  'triage.yaml',
  'answers.yaml',
]
/** knowledge/locales/<code>.yaml: the languages besides the base one. */
const LOCALES = 'locales'

/** A source from file contents keyed by path ("knowledge/places.yaml", "intents/zh/wifi.yaml"): disk or upload. */
export function sourceFromFiles(files: Record<string, string>, lang = 'zh'): KnowledgeSource {
  const yaml = <T>(name: string, required = true): T => {
    const text = files[`knowledge/${name}`]
    if (text === undefined) {
      if (required) throw new KnowledgeError([`knowledge/${name}: file missing`])
      return undefined as T
    }
    try {
      return parseYaml(text) as T
    } catch (e) {
      throw new KnowledgeError([`knowledge/${name}: ${(e as Error).message}`])
    }
  }
  const placesFile = yaml<{ places: Place[]; groups?: PlaceGroup[] }>('places.yaml')
  const intentsOf = (code: string) =>
    Object.keys(files)
      .filter((f) => f.startsWith(`intents/${code}/`) && f.endsWith('.yaml') && !f.endsWith('/language.yaml'))
      .sort()
      .map((f) => {
        let raw: { intent?: string; description?: string; examples?: unknown[] }
        try {
          raw = parseYaml(files[f]!) ?? {}
        } catch (e) {
          throw new KnowledgeError([`${f}: ${(e as Error).message}`])
        }
        return {
          id: String(raw.intent ?? path.basename(f, '.yaml')),
          description: String(raw.description ?? ''),
          examples: (raw.examples ?? []).map(String),
        }
      })
  const intents = intentsOf(lang)
  const languages: Record<string, LanguageSource> = {}
  for (const f of Object.keys(files)
    .filter((x) => x.startsWith(`knowledge/${LOCALES}/`) && x.endsWith('.yaml'))
    .sort()) {
    const code = path.basename(f, '.yaml')
    const locale = yaml<LocaleSource>(`${LOCALES}/${code}.yaml`)
    languages[code] = {
      locale: { ...locale, language: { ...locale?.language, code, name: locale?.language?.name ?? code } },
      intents: intentsOf(code),
    }
  }
  return {
    hospital: yaml<Facts['hospital']>('hospital.yaml'),
    services: yaml<Record<string, unknown>>('services.yaml'),
    rawSchedules: yaml<Record<string, Omit<Schedule, 'id'>>>('schedules.yaml'),
    places: placesFile?.places ?? [],
    groups: placesFile?.groups ?? [],
    exams: yaml<{ exams: Exam[] }>('exams.yaml')?.exams ?? [],
    triage: yaml<{ rules: TriageRule[] } | undefined>('triage.yaml', false)?.rules ?? [],
    templates: yaml<Templates>('answers.yaml'),
    intents,
    ...(Object.keys(languages).length ? { languages } : {}),
  }
}

/** The inverse: the same YAML files, so a hospital can keep its knowledge in git. */
export function filesFromSource(source: KnowledgeSource, lang = 'zh'): Record<string, string> {
  const files: Record<string, string> = {
    'knowledge/hospital.yaml': toYaml(source.hospital),
    'knowledge/services.yaml': toYaml(source.services),
    'knowledge/schedules.yaml': toYaml(source.rawSchedules),
    'knowledge/places.yaml': toYaml({ places: source.places, groups: source.groups }),
    'knowledge/exams.yaml': toYaml({ exams: source.exams }),
    'knowledge/triage.yaml': toYaml({ rules: source.triage }),
    'knowledge/answers.yaml': toYaml(source.templates),
  }
  const intentFiles = (code: string, intents: Intent[]) => {
    for (const i of intents) {
      files[`intents/${code}/${i.id}.yaml`] = toYaml({
        intent: i.id,
        description: i.description,
        examples: i.examples,
      })
    }
  }
  intentFiles(lang, source.intents)
  for (const [code, l] of Object.entries(source.languages ?? {})) {
    files[`knowledge/${LOCALES}/${code}.yaml`] = toYaml(l.locale)
    intentFiles(code, l.intents)
  }
  return files
}

export interface KnowledgeSource {
  hospital: Facts['hospital']
  services: Record<string, unknown>
  rawSchedules: Record<string, Omit<Schedule, 'id'>>
  places: Place[]
  groups: PlaceGroup[]
  exams: Exam[]
  triage: TriageRule[]
  templates: Templates
  intents: Intent[]
  /** Other languages than the base one, by code. */
  languages?: Record<string, LanguageSource>
}

/**
 * Knowledge published before an upgrade lacks the wording the new code asks for (a new phrase, the
 * calendar, a new language): the shipped files fill those gaps, and never override what admins wrote.
 */
export function withShippedDefaults(source: KnowledgeSource, shipped: KnowledgeSource): KnowledgeSource {
  const templates = { ...shipped.templates, ...source.templates } as Templates
  for (const section of ['intents', 'fallbacks', 'phrases', 'handoff', 'suggestions', 'clock'] as const) {
    templates[section] = { ...shipped.templates[section], ...source.templates?.[section] }
  }
  const languages = source.languages ?? shipped.languages
  return { ...source, templates, ...(languages ? { languages } : {}) }
}

/** Placeholders a template may use that are filled per reply rather than from facts. */
const DYNAMIC = new Set([
  'name',
  'where',
  'hours',
  'clock',
  'list',
  'steps',
  'report',
  'hint',
  'ticketId',
  'department',
  'entity',
  'time',
  'phone',
  'services',
  'when',
  'note',
  'day',
  'next',
  'open',
  'food',
  'water',
  'floor',
  'floors',
])

/** A floor as answers write it: 4, B1, 3-12 (floors of a building, basements, a span of wards). */
const FLOOR = /^(?:B?\d{1,3}|\d{1,3}-\d{1,3})$/i

export function buildKnowledgeBase(raw: KnowledgeSource): KnowledgeBase {
  if (!raw || typeof raw !== 'object') throw new KnowledgeError(['knowledge: expected an object'])
  const problems: string[] = []
  const schedules: Record<string, Schedule> = {}
  for (const [id, s] of Object.entries(raw.rawSchedules ?? {})) {
    problems.push(...idProblems(`schedules.${id}`, id))
    const schedule: Schedule = {
      id,
      label: s.label ?? id,
      rules: s.rules ?? [],
      ...(s.always ? { always: true } : {}),
      ...(s.holidays ? { holidays: s.holidays } : {}),
      ...(s.closedNote ? { closedNote: s.closedNote } : {}),
    }
    problems.push(...validateSchedule(schedule))
    schedules[id] = schedule
  }
  const buildingNames = new Set(raw.hospital.buildings.map((b) => b.name))
  const places = new Map<string, Place>()
  for (const [i, p] of (raw.places ?? []).entries()) {
    const at = `places[${i}]${p?.id ? ` (${p.id})` : ''}`
    if (!p?.id || !p.name) {
      problems.push(`${at}: id and name are required`)
      continue
    }
    if (places.has(p.id)) problems.push(`${at}.id: duplicate place id "${p.id}"`)
    problems.push(...idProblems(`${at}.id`, p.id))
    if (!buildingNames.has(p.building)) {
      problems.push(
        `${at}.building: unknown building "${p.building}" (known: ${[...buildingNames].join(', ')})`,
      )
    }
    if (p.floor !== undefined && !FLOOR.test(String(p.floor))) {
      // "九楼" was once accepted and answered as "门诊楼九楼楼": a floor is what the answer puts before 楼.
      problems.push(
        `${at}.floor: "${p.floor}" is not a floor: write a number (4), a basement (B1) or a range (3-12)`,
      )
    }
    if (p.hours && !schedules[p.hours]) problems.push(`${at}.hours: unknown schedule "${p.hours}"`)
    places.set(p.id, { ...p, aliases: (p.aliases ?? []).map(String) })
  }
  for (const p of places.values()) {
    for (const r of p.related ?? []) {
      if (!places.has(r)) problems.push(`places.${p.id}.related: unknown place "${r}"`)
    }
  }
  for (const g of raw.groups ?? []) {
    for (const id of g.places) if (!places.has(id)) problems.push(`groups.${g.name}: unknown place "${id}"`)
  }
  const exams = new Map<string, Exam>()
  for (const [i, e] of (raw.exams ?? []).entries()) {
    if (!e?.id || !e.name) {
      problems.push(`exams[${i}]: id and name are required`)
      continue
    }
    if (exams.has(e.id)) problems.push(`exams[${i}].id: duplicate exam id "${e.id}"`)
    problems.push(...idProblems(`exams[${i}].id`, e.id))
    if (e.place && !places.has(e.place)) problems.push(`exams.${e.id}.place: unknown place "${e.place}"`)
    if (e.hoursOf && !schedules[e.hoursOf]) {
      problems.push(`exams.${e.id}.hoursOf: unknown schedule "${e.hoursOf}"`)
    }
    const hours = (n: unknown) => typeof n === 'number' && Number.isFinite(n) && n > 0 && n <= 24
    if (
      e.fasting &&
      (!hours(e.fasting.foodHours) || (e.fasting.waterHours !== undefined && !hours(e.fasting.waterHours)))
    ) {
      problems.push(`exams.${e.id}.fasting: foodHours and waterHours are hours between 0 and 24`)
    }
    exams.set(e.id, { ...e, aliases: (e.aliases ?? []).map(String) })
  }
  for (const e of exams.values()) {
    for (const v of e.variants ?? []) {
      if (!exams.has(v)) problems.push(`exams.${e.id}.variants: unknown exam "${v}"`)
    }
  }
  const placeNames = new Map(
    [...places.values()].flatMap((p) => [[p.name, p.id], ...p.aliases.map((a) => [a, p.id] as const)]),
  )
  for (const [i, r] of (raw.triage ?? []).entries()) {
    if (!placeNames.has(r.department)) {
      problems.push(`triage.rules[${i}].department: unknown department "${r.department}"`)
    }
  }
  problems.push(...checkAliases(places, raw.groups ?? [], exams))
  problems.push(...checkIntents(raw.intents))

  const kb: KnowledgeBase = {
    facts: { hospital: raw.hospital, services: raw.services, schedules },
    places,
    groups: raw.groups ?? [],
    exams,
    triage: raw.triage ?? [],
    templates: Object.assign(
      { intents: {}, fallbacks: {}, phrases: {}, handoff: {}, suggestions: {}, clock: {} },
      raw.templates,
    ),
    intents: raw.intents,
    language: BASE_LANGUAGE,
    untranslated: [],
  }
  problems.push(...checkTemplates(kb, ''), ...checkCalendar(kb.templates.calendar, ''))
  for (const key of Object.keys(kb.templates.intents ?? {})) {
    problems.push(...idProblems(`answers.intents.${key}`, key))
  }
  for (const [intent, scheduleId] of Object.entries(kb.templates.clock ?? {})) {
    if (!schedules[scheduleId]) problems.push(`answers.clock.${intent}: unknown schedule "${scheduleId}"`)
  }
  if (Object.keys(raw.languages ?? {}).length) kb.languages = new Map()
  for (const [code, source] of Object.entries(raw.languages ?? {})) {
    const at = `locales.${code}.`
    const badCode = idProblems(`locales.${code}`, code)
    if (badCode.length) {
      problems.push(...badCode)
      continue
    }
    try {
      const local = localise(kb, source)
      problems.push(...checkTemplates(local, at), ...checkCalendar(local.templates.calendar, at))
      problems.push(
        ...checkAliases(local.places, local.groups, local.exams).map((p) => at + p),
        ...checkIntents(source.intents).map((p) => at + p),
      )
      for (const r of source.locale.triage ?? []) {
        if (!places.has(r.department)) problems.push(`${at}triage: unknown place "${r.department}"`)
      }
      kb.languages!.set(code, local)
    } catch (e) {
      problems.push(`${at.slice(0, -1)}: malformed (${(e as Error).message})`)
    }
  }
  if (problems.length) throw new KnowledgeError(problems)
  return kb
}

/** Every answer template of one language refers only to facts that exist; so do facts citing facts. */
function checkTemplates(kb: KnowledgeBase, at: string): string[] {
  const problems: string[] = []
  const scope = factScope(kb)
  for (const section of TEMPLATE_SECTIONS) {
    for (const [key, tpl] of Object.entries(kb.templates[section] ?? {})) {
      if (typeof tpl !== 'string' || !tpl.trim()) {
        problems.push(`${at}answers.${section}.${key}: empty answer`)
        continue
      }
      for (const ph of placeholders(tpl)) {
        if (!DYNAMIC.has(ph) && !isText(lookup(scope, ph))) {
          problems.push(`${at}answers.${section}.${key}: {{${ph}}} is not a known fact`)
        }
      }
    }
  }
  for (const [path, value] of textLeaves(kb.facts.services, 'services')) {
    for (const ph of placeholders(value)) {
      if (!isText(lookup(scope, ph))) problems.push(`${at}${path}: {{${ph}}} is not a known fact`)
    }
  }
  return problems
}

function checkCalendar(calendar: Calendar | undefined, at: string): string[] {
  if (!calendar) return []
  const missing = (Object.keys(ZH_CALENDAR) as Array<keyof Calendar>).filter((k) => calendar[k] === undefined)
  const names =
    Array.isArray(calendar.weekdayNames) && calendar.weekdayNames.length === 7
      ? []
      : [`${at}calendar.weekdayNames: needs 7 names, Sunday first`]
  return [
    ...missing.map((k) => `${at}calendar.${k}: missing`),
    ...names,
    ...checkPattern(calendar.money, `${at}calendar.money`),
  ]
}

function checkPattern(pattern: string | undefined, at: string): string[] {
  if (pattern === undefined) return []
  try {
    RegExp(String(pattern), 'iu')
    return []
  } catch (e) {
    return [`${at}: not a valid regular expression (${(e as Error).message})`]
  }
}

const isText = (v: unknown) => typeof v === 'string' || typeof v === 'number'

function* textLeaves(node: unknown, at: string): Generator<[string, string]> {
  if (typeof node === 'string') yield [at, node]
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) yield* textLeaves(v, `${at}.${k}`)
  }
}

function checkAliases(places: Map<string, Place>, groups: PlaceGroup[], exams: Map<string, Exam>): string[] {
  const owner = new Map<string, string>()
  const problems: string[] = []
  const claim = (alias: string, who: string) => {
    const key = alias.toLowerCase()
    const prev = owner.get(key)
    if (prev && prev !== who) problems.push(`alias "${alias}" is used by both ${prev} and ${who}`)
    owner.set(key, who)
  }
  for (const p of places.values()) for (const a of [p.name, ...p.aliases]) claim(a, `place ${p.id}`)
  for (const g of groups) for (const a of g.aliases) claim(a, `group ${g.name}`)
  for (const e of exams.values()) for (const a of [e.name, ...e.aliases]) claim(a, `exam ${e.id}`)
  return problems
}

function checkIntents(intents: Intent[]): string[] {
  const problems: string[] = []
  const seen = new Map<string, string>()
  const ids = new Set<string>()
  const examples = intents.reduce((n, i) => n + i.examples.length, 0)
  if (intents.length > LIMITS.intents) {
    problems.push(`intents: ${intents.length} 个意图，超过上限 ${LIMITS.intents} 个，请合并或删去不用的意图`)
  }
  if (examples > LIMITS.examples) {
    problems.push(
      `intents: 共 ${examples} 条例句，超过上限 ${LIMITS.examples} 条（发布时要逐条训练），请删去重复或不用的例句`,
    )
  }
  // Past the limits the per-example checks below would only add thousands of lines of the same news.
  if (problems.length) return problems
  for (const intent of intents) {
    problems.push(...idProblems(`intents.${JSON.stringify(intent.id)}`, intent.id))
    if (ids.has(intent.id)) problems.push(`intents.${intent.id}: duplicate intent id`)
    ids.add(intent.id)
    if (!intent.examples.length) problems.push(`intents.${intent.id}.examples: needs at least one example`)
    for (const ex of intent.examples) {
      if (ex.length > LIMITS.exampleChars) {
        problems.push(
          `intents.${intent.id}.examples: 例句 "${ex.slice(0, 20)}…" 有 ${ex.length} 个字，上限 ${LIMITS.exampleChars} 个`,
        )
      }
      const key = ex.replace(/\s+/g, '').toLowerCase()
      const other = seen.get(key)
      if (other && other !== intent.id) {
        problems.push(`intents.${intent.id}.examples: "${ex}" is also an example of ${other}`)
      }
      seen.set(key, intent.id)
    }
  }
  return problems
}

/** The facts as templates see them: places with a rendered "where", schedules with rendered text. */
export function factScope(kb: KnowledgeBase): Record<string, unknown> {
  const calendar = calendarOf(kb)
  const places: Record<string, { name: string; where: string; hours?: string }> = {}
  for (const p of kb.places.values()) {
    const s = p.hours ? kb.facts.schedules[p.hours] : undefined
    places[p.id] = {
      name: p.name,
      where: placeWhere(p, calendar),
      ...(s ? { hours: renderSchedule(s, calendar) } : {}),
    }
  }
  const schedules = Object.fromEntries(
    Object.entries(kb.facts.schedules).map(([id, s]) => [id, { ...s, text: renderSchedule(s, calendar) }]),
  )
  const scope: Record<string, unknown> = { hospital: kb.facts.hospital, schedules, places }
  scope.services = resolveNested(kb.facts.services, scope)
  return scope
}

export function calendarOf(kb: KnowledgeBase): Calendar {
  return kb.templates.calendar ?? ZH_CALENDAR
}

export function placeWhere(p: Place, calendar: Calendar = ZH_CALENDAR): string {
  return renderWhere(p.building, p.floor, p.detail, calendar)
}

/** Facts may cite other facts ("电话{{hospital.phones.main}}"), so a phone number is stored once. */
function resolveNested(node: unknown, scope: Record<string, unknown>): unknown {
  if (typeof node === 'string') {
    return node.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (w, p: string) => {
      const v = lookup(scope, p)
      return isText(v) ? String(v) : w
    })
  }
  if (Array.isArray(node)) return node.map((n) => resolveNested(n, scope))
  if (node && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, resolveNested(v, scope)]))
  }
  return node
}
