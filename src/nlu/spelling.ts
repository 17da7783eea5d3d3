import { DamerauLevenshteinDistance } from 'natural/lib/natural/distance/levenshtein_distance.js'
import type { Corrector } from './normalise.js'

const WORD = /[a-z]+/g
/**
 * Without a dictionary, shorter words are left alone: at one edit from "test", "fest", "text" and
 * "best" are all words.
 */
const MIN_LENGTH = 5
/** With one, a short non-word ("opne", "flor") is a typo; at four letters, one edit is still specific. */
const MIN_LENGTH_WITH_DICTIONARY = 4
const TWO_EDITS_FROM = 9

export interface SpellingSources {
  /** Words that matter: names, safety and triage rule words. Always candidates, never changed. */
  targets: Iterable<string>
  /** Texts the language's data uses (training examples, stopwords). */
  known?: Iterable<string>
  /** The language's dictionary: its words are never changed. */
  dictionary?: ReadonlySet<string>
}

/**
 * Misspelt words of a spaced language ("cardiolgy", "unconcious", "opne") corrected to the nearest word
 * the data uses, so names, rules and the classifier still see them. With a dictionary, only non-words
 * are corrected, towards the data's words (a typo that slipped into one training example is not one
 * of them). Without one, every word the data uses is left alone and only `targets` are corrected to:
 * a correct word the data lacks could otherwise become another ("wound" → "found"). Candidates come
 * from a delete index (a word and its one-letter deletions, as SymSpell does), so a lookup costs a few
 * map reads, not a scan.
 */
export class SpellingCorrector implements Corrector {
  private readonly count = new Map<string, number>()
  private readonly keep = new Set<string>()
  private readonly deletes = new Map<string, string[]>()
  private readonly minLength: number
  private readonly dictionary: ReadonlySet<string> | undefined

  constructor({ targets, known = [], dictionary }: SpellingSources) {
    const words = (texts: Iterable<string>) => [...texts].flatMap((t) => t.toLowerCase().match(WORD) ?? [])
    const targetWords = words(targets)
    const dataWords = words(known)
    for (const w of [...targetWords, ...dataWords]) this.count.set(w, (this.count.get(w) ?? 0) + 1)
    const candidates = new Set(targetWords)
    for (const w of targetWords) this.keep.add(w)
    for (const w of dataWords) {
      // A data word that is not a dictionary word and occurs once is more likely a typo than a term.
      if (!dictionary || dictionary.has(w) || this.count.get(w)! > 1) {
        this.keep.add(w)
        if (dictionary) candidates.add(w)
      }
    }
    this.minLength = dictionary ? MIN_LENGTH_WITH_DICTIONARY : MIN_LENGTH
    for (const w of candidates) {
      if (w.length < this.minLength - 1) continue
      for (const key of new Set([w, ...oneDeleted(w)])) {
        this.deletes.set(key, [...(this.deletes.get(key) ?? []), w])
      }
    }
    this.dictionary = dictionary
  }

  has(word: string): boolean {
    return this.keep.has(word)
  }

  correct(text: string): string {
    return text.replace(WORD, (w) =>
      w.length < this.minLength || this.keep.has(w) || this.dictionary?.has(w) ? w : (this.best(w) ?? w),
    )
  }

  private best(word: string): string | undefined {
    const limit = word.length >= TWO_EDITS_FROM ? 2 : 1
    let best: { word: string; distance: number; count: number } | undefined
    for (const key of [word, ...oneDeleted(word)]) {
      for (const candidate of this.deletes.get(key) ?? []) {
        const distance = DamerauLevenshteinDistance(word, candidate, { restricted: true })
        if (distance > limit) continue
        const count = this.count.get(candidate)!
        if (!best || distance < best.distance || (distance === best.distance && count > best.count)) {
          best = { word: candidate, distance, count }
        }
      }
    }
    return best?.word
  }
}

function oneDeleted(w: string): string[] {
  const out: string[] = []
  for (let i = 0; i < w.length; i++) out.push(w.slice(0, i) + w.slice(i + 1))
  return out
}
