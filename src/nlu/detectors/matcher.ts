import { normaliseName } from '../normalise.js'
import { TermIndex } from '../terms.js'
import { execAll } from '../regex.js'

export interface RuleSet {
  terms?: string[]
  patterns?: string[]
}
export interface Match {
  text: string
  start: number
  end: number
}

/**
 * Literal terms and regular expressions from data. Terms in a spaced language match whole words;
 * patterns say their own boundaries. Where a term and a pattern overlap, the earlier (then longer)
 * match counts, as in one alternation.
 */
export class RuleMatcher {
  private readonly terms: TermIndex
  private readonly re: RegExp | undefined

  constructor(
    rules: RuleSet | undefined,
    readonly name = 'rules',
  ) {
    this.terms = new TermIndex((rules?.terms ?? []).map(normaliseName))
    const patterns = (rules?.patterns ?? []).map((p) => `(?:${p})`)
    this.re = patterns.length ? new RegExp(patterns.join('|'), 'gu') : undefined
  }

  matches(text: string): Match[] {
    const found: Match[] = this.terms.matches(text).map(({ text, start, end }) => ({ text, start, end }))
    if (this.re) {
      for (const m of execAll(this.re, text)) {
        if (m[0]) found.push({ text: m[0], start: m.index!, end: m.index! + m[0].length })
      }
    }
    if (!this.re || !this.terms.size) return found
    found.sort((a, b) => a.start - b.start || b.end - a.end)
    const out: Match[] = []
    for (const m of found) if (!out.length || m.start >= out[out.length - 1]!.end) out.push(m)
    return out
  }

  test(text: string): boolean {
    if (this.terms.test(text)) return true
    if (!this.re) return false
    this.re.lastIndex = 0
    const hit = this.re.test(text)
    this.re.lastIndex = 0
    return hit
  }
}

export interface NegationRules {
  negators: string[]
  clauseBreaks: string[]
  maxDistance: number
}

/**
 * "没有胸痛" is not an emergency: a negator shortly before a match, in the same clause, cancels it.
 * The clause ends at punctuation or a contrast word (但是…), so "没有发烧，但是胸痛" still counts.
 */
export class Negation {
  private readonly negators: string[]
  private readonly breaks: string[]
  /** How far back a negator may start: it must end within maxDistance. */
  private readonly reach: number

  constructor(private readonly rules: NegationRules) {
    this.negators = [...rules.negators].map(String).sort((a, b) => b.length - a.length)
    this.breaks = rules.clauseBreaks.map(String)
    this.reach = rules.maxDistance + Math.max(3, (this.negators[0]?.length ?? 0) - 1)
  }

  isNegated(text: string, match: Match): boolean {
    let clauseStart = 0
    const head = text.slice(0, match.start)
    for (const b of this.breaks) {
      const i = lastWordIndex(head, b)
      if (i >= 0 && i + b.length <= match.start) clauseStart = Math.max(clauseStart, i + b.length)
    }
    const before = text.slice(Math.max(clauseStart, match.start - this.reach), match.start)
    return this.negators.some((n) => {
      const i = lastWordIndex(before, n)
      return i >= 0 && before.length - (i + n.length) <= this.rules.maxDistance
    })
  }

  /** Matches that are not negated. */
  affirmed(text: string, matches: Match[]): Match[] {
    return matches.filter((m) => !this.isNegated(text, m))
  }
}

/** The last place a word occurs in a text; a Latin word only as a whole word ("no" is not in "know"). */
export function lastWordIndex(text: string, word: string): number {
  let i = text.lastIndexOf(word)
  if (i < 0 || !hasLatin(word)) return i
  const isLetter = (c: string | undefined) => !!c && /[a-z']/.test(c)
  const embedded = (at: number) =>
    (/^[a-z]/.test(word) && isLetter(text[at - 1])) ||
    (/[a-z]$/.test(word) && isLetter(text[at + word.length]))
  // lastIndexOf(word, -1) searches from 0 again, so stop at the start instead of looping there.
  while (i >= 0 && embedded(i)) i = i === 0 ? -1 : text.lastIndexOf(word, i - 1)
  return i
}

// The words asked about are the rules' negators and clause breaks: a few dozen, looked up for every
// match of every detector, so whether each has a Latin letter is worked out once.
const latin = new Map<string, boolean>()
function hasLatin(word: string): boolean {
  let has = latin.get(word)
  if (has === undefined) {
    has = /[a-z]/.test(word)
    latin.set(word, has)
  }
  return has
}
