import type { KnowledgeBase } from '../knowledge-base/types.js'
import { escapeRegExp } from './normalise.js'

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

interface Entry { type: EntityType; ids: string[] }

/** Finds places, exams, buildings and time words by longest match over the knowledge's aliases. */
export class EntityExtractor {
  private readonly table = new Map<string, Entry>()
  private readonly pattern: RegExp | undefined
  private readonly timePatterns: Array<[TimeWord, RegExp]>

  constructor(kb: KnowledgeBase, timeWords: Partial<Record<TimeWord, string[]>>) {
    const add = (alias: string, entry: Entry) => { const k = alias.toLowerCase(); if (!this.table.has(k)) this.table.set(k, entry) }
    for (const e of kb.exams.values()) for (const a of [e.name, ...e.aliases]) add(a, { type: 'exam', ids: [e.id] })
    for (const p of kb.places.values()) for (const a of [p.name, ...p.aliases]) add(a, { type: 'place', ids: [p.id] })
    for (const g of kb.groups) for (const a of g.aliases) add(a, { type: 'place', ids: g.places })
    for (const b of kb.facts.hospital.buildings) for (const a of [b.name, ...(b.aliases ?? [])]) add(a, { type: 'building', ids: [b.name] })
    const keys = [...this.table.keys()].sort((a, b) => b.length - a.length)
    this.pattern = keys.length ? new RegExp(keys.map(escapeRegExp).join('|'), 'g') : undefined
    this.timePatterns = (Object.entries(timeWords) as Array<[TimeWord, string[]]>)
      .filter(([, words]) => words?.length)
      .map(([type, words]) => [type, new RegExp(words.map(escapeRegExp).join('|'))])
  }

  terms(): string[] { return [...this.table.keys()] }

  extract(text: string): Entities {
    const mentions: EntityMention[] = []
    if (this.pattern) {
      for (const m of text.matchAll(this.pattern)) {
        const entry = this.table.get(m[0])!
        const prev = mentions[mentions.length - 1]
        // "肾内科门诊", "门诊拿西药": two adjacent place words name one place, the more specific (longer) one.
        if (prev && prev.end === m.index && prev.type === 'place' && entry.type === 'place') {
          if (m[0].length > prev.text.length) prev.ids = entry.ids
          prev.text += m[0]
          prev.end += m[0].length
          continue
        }
        mentions.push({ type: entry.type, ids: entry.ids, text: m[0], start: m.index!, end: m.index! + m[0].length })
      }
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
      times: this.timePatterns.filter(([, re]) => re.test(text)).map(([t]) => t),
    }
  }
}

/** The text with each mention replaced by a marker, so detectors do not read 发热 in 发热门诊. */
export function maskMentions(text: string, mentions: EntityMention[], marker = '□'): string {
  let out = ''
  let at = 0
  for (const m of mentions) { out += text.slice(at, m.start) + marker; at = m.end }
  return out + text.slice(at)
}
