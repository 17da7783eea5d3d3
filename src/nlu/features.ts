import type { EntityMention, EntityType } from './entities.js'
import type { Features } from './classifier.js'
import type { TermIndex } from './terms.js'
import type { Tokenizer } from './tokenizers.js'

/**
 * What the classifier sees. A place, exam or building name becomes its type ("<place>在几楼"), so the
 * phrasing around a name is learned once for all departments, and a new department needs no examples.
 * Words come from the language's tokenizer. In Chinese, characters and character bigrams keep typos
 * and odd segmentation matching; in spaced languages, word pairs keep word order ("what time") and
 * letter trigrams keep misspelt and inflected words close to the right one.
 */
const MARK: Record<EntityType, string> = { place: 'Ⓟ', exam: 'Ⓔ', building: 'Ⓑ' }
const WORD_WEIGHT = 1
const BIGRAM_WEIGHT = 1
const CHAR_WEIGHT = 0.4
const PAIR_WEIGHT = 0.6
const TRIGRAM_WEIGHT = 0.25

export interface FeatureScheme {
  tokenizer: Tokenizer
  stopwords: Set<string>
  spaced: boolean
  /**
   * The triage data's conditions and body parts (牙, 糖尿病): naming one is a sign the question is
   * about care here, which the out-of-scope class (社保局怎么走) must not take from it.
   */
  conditions?: TermIndex
}
export interface FeatureView {
  tokens: string[]
  features: Features
}

const HAN = /\p{Script=Han}/u

export function extractFeatures(text: string, mentions: EntityMention[], scheme: FeatureScheme): FeatureView {
  const { tokenizer, stopwords } = scheme
  const tokens: string[] = []
  const raw: string[] = []
  let marked = ''
  let at = 0
  const addChunk = (chunk: string) => {
    if (!chunk.trim()) return
    for (const w of tokenizer.words(chunk)) if (!stopwords.has(w)) tokens.push(w)
    if (scheme.spaced) {
      raw.push(...chunk.split(/[^\p{L}\p{N}']+/u).filter((w) => w && !HAN.test(w) && !stopwords.has(w)))
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
  if (scheme.conditions?.matches(marked).length) add('w:<condition>', WORD_WEIGHT)
  if (scheme.spaced) {
    for (let i = 0; i + 1 < tokens.length; i++) add(`p:${tokens[i]}_${tokens[i + 1]}`, PAIR_WEIGHT)
    for (const w of raw) {
      const padded = `^${w.replace(/'/g, '')}$`
      for (let i = 0; i + 3 <= padded.length; i++) add(`g:${padded.slice(i, i + 3)}`, TRIGRAM_WEIGHT)
    }
  }
  // Chinese letters (all of a Chinese message, the names left in a spaced one) as characters and pairs.
  const chars = [...marked].filter((c) =>
    scheme.spaced ? HAN.test(c) || /[ⓅⒺⒷ]/u.test(c) : /[\p{L}\p{N}ⓅⒺⒷ]/u.test(c),
  )
  for (let i = 0; i < chars.length; i++) {
    if (!stopwords.has(chars[i]!)) add(`c:${chars[i]}`, CHAR_WEIGHT)
    if (i + 1 < chars.length) add(`b:${chars[i]}${chars[i + 1]}`, BIGRAM_WEIGHT)
  }
  return { tokens, features }
}
