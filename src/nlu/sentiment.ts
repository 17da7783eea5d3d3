import { escapeRegExp } from './normalise.js'

export interface SentimentLexicon {
  negative: Record<string, number>
  positive: Record<string, number>
  negators: string[]
  degree: Record<string, number>
  intensifiers?: Record<string, number>
}

/**
 * Lexicon sentiment in [-1, 1]: each sentiment word counts with its strength, scaled by a degree
 * adverb just before it (太, 非常), flipped and damped by a negator (不满意 is negative, 不差 is mildly
 * positive), and the sum is squashed like VADER's compound score so two strong words approach -1.
 */
export class SentimentAnalyser {
  private readonly words = new Map<string, number>()
  private readonly pattern: RegExp | undefined
  private readonly negators: string[]
  private readonly degrees: Array<[string, number]>
  private readonly intensifiers: Array<[string, number]>

  constructor(lex: SentimentLexicon) {
    for (const [w, s] of Object.entries(lex.positive ?? {})) this.words.set(w.toLowerCase(), Math.abs(Number(s)))
    for (const [w, s] of Object.entries(lex.negative ?? {})) this.words.set(w.toLowerCase(), -Math.abs(Number(s)))
    const keys = [...this.words.keys()].sort((a, b) => b.length - a.length)
    this.pattern = keys.length ? new RegExp(keys.map(escapeRegExp).join('|'), 'g') : undefined
    this.negators = [...(lex.negators ?? [])].sort((a, b) => b.length - a.length)
    this.degrees = Object.entries(lex.degree ?? {}).sort((a, b) => b[0].length - a[0].length)
    this.intensifiers = Object.entries(lex.intensifiers ?? {})
  }

  score(text: string): number {
    if (!this.pattern) return 0
    let sum = 0
    let prevEnd = 0
    for (const m of text.matchAll(this.pattern)) {
      let value = this.words.get(m[0])!
      // Only the text since the previous sentiment word can modify this one: in "都不对火大" the 不
      // belongs to 不对 and does not negate 火大.
      const before = text.slice(Math.max(prevEnd, m.index! - 4), m.index!)
      prevEnd = m.index! + m[0].length
      const degree = this.degrees.find(([d]) => before.endsWith(d) || before.slice(0, -1).endsWith(d))
      if (degree) value *= degree[1]
      const negated = this.negators.some((n) => {
        const i = before.lastIndexOf(n)
        return i >= 0 && before.length - (i + n.length) <= 2
      })
      // A word that already contains its negator (不满意 in the lexicon) is not negated twice.
      if (negated && !this.negators.some((n) => m[0].startsWith(n))) value *= -0.5
      sum += value
    }
    for (const [mark, factor] of this.intensifiers) if (sum !== 0 && text.includes(mark)) sum *= factor
    return sum === 0 ? 0 : Math.max(-1, Math.min(1, sum / Math.sqrt(sum * sum + 1)))
  }
}
