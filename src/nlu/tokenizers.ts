import PorterStemmer from 'natural/lib/natural/stemmers/porter_stemmer.js'
import { addUserWords, nouns, segment } from './segment.js'
import { execAll } from './regex.js'

/** How a language's text is cut into words; the pipeline is otherwise the same for every language. */
export interface Tokenizer {
  /** The words of a chunk of text, each as the classifier should see it (English words stemmed). */
  words(text: string): string[]
  /** Nouns of a text, for telling what else a question is about. */
  nouns(text: string): string[]
  /** Knowledge names that must stay one word ("心血管内科"). */
  addWords(words: Iterable<string>): void
}

const LATIN_WORD = /^[a-z]{3,}$/
// English words in Chinese messages ("ct在哪 please", "checking") match by stem.
const stemLatin = (w: string) => (LATIN_WORD.test(w) ? PorterStemmer.stem(w) : w)

export const jiebaTokenizer: Tokenizer = {
  words: (text) => segment(text).map(stemLatin),
  nouns,
  addWords: addUserWords,
}

const HAN_RUN = /\p{Script=Han}+/u
const TOKEN = /\p{Script=Han}+|[\p{L}\p{N}]+(?:'[\p{L}]+)*/gu

/**
 * Languages written with spaces: words between spaces and punctuation, stemmed (Porter), so "opens",
 * "opening" and "open" are one feature. Chinese names in them ("where is 心内科") still go to jieba.
 */
export function wordTokenizer(stopwords: Set<string>, known: () => Set<string>): Tokenizer {
  const split = (text: string) =>
    execAll(TOKEN, text).flatMap((m) => (HAN_RUN.test(m[0]) ? segment(m[0]) : [m[0]]))
  return {
    // Stopwords go as typed, before stemming turns "pls" into "pl".
    words: (text) =>
      split(text)
        .filter((w) => !stopwords.has(w))
        .map((w) => (HAN_RUN.test(w) ? w : stemLatin(w.replace(/'/g, '')))),
    // Without a tagger, a noun is a longer word that is neither a stopword nor any word the language
    // data knows: "cafeteria" in "when does the cafeteria open".
    nouns: (text) =>
      split(text).filter((w) => !HAN_RUN.test(w) && w.length >= 4 && !stopwords.has(w) && !known().has(w)),
    addWords: addUserWords,
  }
}
