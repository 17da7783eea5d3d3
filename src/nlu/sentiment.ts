import { lastWordIndex } from './detectors/matcher.js'
import { normaliseName } from './normalise.js'
import { TermIndex } from './terms.js'

export interface SentimentLexicon {
  negative: Record<string, number>
  positive: Record<string, number>
  negators: string[]
  degree: Record<string, number>
  intensifiers?: Record<string, number>
  /** Characters looked back for a degree word or negator: 4 suits Chinese, about 12 English. */
  window?: number
}

/**
 * Lexicon sentiment in [-1, 1]: each sentiment word counts with its strength, scaled by a degree
 * adverb just before it (太, 非常), flipped and damped by a negator (不满意 is negative, 不差 is mildly
 * positive), and the sum is squashed like VADER's compound score so two strong words approach -1.
 */
export class SentimentAnalyser {
  private readonly words = new Map<string, number>()
  private readonly lexicon: TermIndex
  private readonly negators: string[]
  private readonly degrees: Array<[string, number]>
  private readonly intensifiers: Array<[string, number]>
  private readonly window: number

  constructor(lex: SentimentLexicon) {
    for (const [w, s] of Object.entries(lex.positive ?? {})) {
      this.words.set(normaliseName(w), Math.abs(Number(s)))
    }
    for (const [w, s] of Object.entries(lex.negative ?? {})) {
      this.words.set(normaliseName(w), -Math.abs(Number(s)))
    }
    this.lexicon = new TermIndex(this.words.keys())
    this.window = lex.window ?? 4
    this.negators = [...(lex.negators ?? [])].sort((a, b) => b.length - a.length)
    this.degrees = Object.entries(lex.degree ?? {}).sort((a, b) => b[0].length - a[0].length)
    this.intensifiers = Object.entries(lex.intensifiers ?? {})
  }

  score(text: string): number {
    let sum = 0
    let prevEnd = 0
    for (const m of this.lexicon.matches(text)) {
      let value = this.words.get(m.term)!
      // Only the text since the previous sentiment word can modify this one: in "都不对火大" the 不
      // belongs to 不对 and does not negate 火大.
      const before = text.slice(Math.max(prevEnd, m.start - this.window), m.start)
      prevEnd = m.end
      const degree = this.degrees.find(([d]) => before.endsWith(d) || before.slice(0, -1).endsWith(d))
      if (degree) value *= degree[1]
      const negated = this.negators.some((n) => {
        const i = lastWordIndex(before, n)
        return i >= 0 && before.length - (i + n.length) <= this.window / 2
      })
      // A word that already contains its negator (不满意 in the lexicon) is not negated twice.
      if (negated && !this.negators.some((n) => m.term.startsWith(n))) value *= -0.5
      sum += value
    }
    for (const [mark, factor] of this.intensifiers) if (sum !== 0 && text.includes(mark)) sum *= factor
    return sum === 0 ? 0 : Math.max(-1, Math.min(1, sum / Math.sqrt(sum * sum + 1)))
  }
}
