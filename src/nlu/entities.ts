import type { KnowledgeBase } from '../knowledge-base/types.js'
import { normaliseName } from './normalise.js'
import { TermIndex } from './terms.js'

export type EntityType = 'place' | 'exam' | 'building'
export type TimeWord = 'now' | 'night' | 'weekend' | 'holiday'

export interface EntityMention {
  type: EntityType
  /** place id, exam id, building name; a group word (药房) resolves to several places. */
  ids: string[]
  text: string
  start: number
  end: number
}

export interface Entities {
  mentions: EntityMention[]
  place?: EntityMention
  exam?: EntityMention
  building?: EntityMention
  times: TimeWord[]
}

interface Entry {
  type: EntityType
  ids: string[]
}

/** Finds places, exams, buildings and time words by longest match over the knowledge's aliases. */
export class EntityExtractor {
  private readonly table = new Map<string, Entry>()
  private readonly names: TermIndex
  private readonly timeWords: Array<[TimeWord, TermIndex]>

  constructor(kb: KnowledgeBase, timeWords: Partial<Record<TimeWord, string[]>>) {
    const add = (alias: string, entry: Entry) => {
      const k = normaliseName(alias)
      if (k && !this.table.has(k)) this.table.set(k, entry)
    }
    for (const e of kb.exams.values()) {
      for (const a of [e.name, ...e.aliases]) add(a, { type: 'exam', ids: [e.id] })
    }
    for (const p of kb.places.values()) {
      for (const a of [p.name, ...p.aliases]) add(a, { type: 'place', ids: [p.id] })
    }
    for (const g of kb.groups) for (const a of g.aliases) add(a, { type: 'place', ids: g.places })
    for (const b of kb.facts.hospital.buildings) {
      for (const a of [b.name, ...(b.aliases ?? [])]) add(a, { type: 'building', ids: [b.name] })
    }
    this.names = new TermIndex(this.table.keys(), { plural: true })
    this.timeWords = (Object.entries(timeWords) as Array<[TimeWord, string[]]>)
      .filter(([, words]) => words?.length)
      .map(([type, words]) => [type, new TermIndex(words.map(normaliseName))])
  }

  terms(): string[] {
    return [...this.table.keys()]
  }

  /** Each name with what it names ("place:心内科"): features mark a name by its type. */
  typedTerms(): string[] {
    return [...this.table].map(([term, e]) => `${e.type}:${term}`)
  }

  extract(text: string): Entities {
    const mentions: EntityMention[] = []
    for (const m of this.names.matches(text)) {
      const entry = this.table.get(m.term)!
      const prev = mentions[mentions.length - 1]
      // "肾内科门诊", "门诊拿西药": two adjacent place words name one place, the more specific (longer) one.
      if (prev && prev.end === m.start && prev.type === 'place' && entry.type === 'place') {
        if (m.text.length > prev.text.length) prev.ids = entry.ids
        prev.text += m.text
        prev.end = m.end
        continue
      }
      mentions.push({ type: entry.type, ids: entry.ids, text: m.text, start: m.start, end: m.end })
    }
    const first = (t: EntityType) => mentions.find((m) => m.type === t)
    // The last mention is what a follow-up asks about ("心内科看完了去CT室怎么走").
    const last = (t: EntityType) => [...mentions].reverse().find((m) => m.type === t)
    const place = last('place')
    const exam = first('exam')
    const building = first('building')
    return {
      mentions,
      ...(place ? { place } : {}),
      ...(exam ? { exam } : {}),
      ...(building ? { building } : {}),
      times: this.timeWords.filter(([, words]) => words.test(text)).map(([t]) => t),
    }
  }
}

/** The text with each mention replaced by a marker, so detectors do not read 发热 in 发热门诊. */
export function maskMentions(text: string, mentions: EntityMention[], marker = '□'): string {
  let out = ''
  let at = 0
  for (const m of mentions) {
    out += text.slice(at, m.start) + marker
    at = m.end
  }
  return out + text.slice(at)
}
