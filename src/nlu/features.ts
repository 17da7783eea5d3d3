import type { EntityMention, EntityType } from './entities.js'
import type { Features } from './classifier.js'
import { segment } from './segment.js'
import PorterStemmer from 'natural/lib/natural/stemmers/porter_stemmer.js'

/**
 * What the classifier sees. A place, exam or building name becomes its type ("<place>在几楼"), so the
 * phrasing around a name is learned once for all departments, and a new department needs no examples.
 * Words come from jieba; characters and character bigrams keep typos and odd segmentation matching.
 */
const MARK: Record<EntityType, string> = { place: 'Ⓟ', exam: 'Ⓔ', building: 'Ⓑ' }
const WORD_WEIGHT = 1
const BIGRAM_WEIGHT = 1
const CHAR_WEIGHT = 0.4

export interface FeatureView { tokens: string[]; features: Features }

export function extractFeatures(text: string, mentions: EntityMention[], stopwords: Set<string>): FeatureView {
  const tokens: string[] = []
  let marked = ''
  let at = 0
  const addChunk = (chunk: string) => {
    if (!chunk.trim()) return
    for (const w of segment(chunk)) {
      if (stopwords.has(w)) continue
      // English words in mixed messages ("ct在哪 please", "checking") match by stem.
      tokens.push(/^[a-z]{3,}$/.test(w) ? PorterStemmer.stem(w) : w)
    }
  }
  for (const m of mentions) {
    addChunk(text.slice(at, m.start))
    tokens.push(`<${m.type}>`)
    marked += text.slice(at, m.start) + MARK[m.type]
    at = m.end
  }
  addChunk(text.slice(at))
  marked += text.slice(at)

  const features: Features = new Map()
  const add = (f: string, w: number) => features.set(f, (features.get(f) ?? 0) + w)
  for (const t of tokens) add(`w:${t}`, WORD_WEIGHT)
  const chars = [...marked].filter((c) => /[\p{L}\p{N}ⓅⒺⒷ]/u.test(c))
  for (let i = 0; i < chars.length; i++) {
    if (!stopwords.has(chars[i]!)) add(`c:${chars[i]}`, CHAR_WEIGHT)
    if (i + 1 < chars.length) add(`b:${chars[i]}${chars[i + 1]}`, BIGRAM_WEIGHT)
  }
  return { tokens, features }
}
