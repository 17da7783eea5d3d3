import { escapeRegExp } from '../normalise.js'

export interface RuleSet { terms?: string[]; patterns?: string[] }
export interface Match { text: string; start: number; end: number }

/** Literal terms and regular expressions from data, compiled once into one alternation. */
export class RuleMatcher {
  private readonly re: RegExp | undefined

  constructor(rules: RuleSet | undefined, readonly name = 'rules') {
    const terms = (rules?.terms ?? []).map((t) => String(t).toLowerCase()).filter(Boolean).sort((a, b) => b.length - a.length)
    const parts = [...terms.map(escapeRegExp), ...(rules?.patterns ?? []).map((p) => `(?:${p})`)]
    this.re = parts.length ? new RegExp(parts.join('|'), 'gu') : undefined
  }

  matches(text: string): Match[] {
    if (!this.re) return []
    const out: Match[] = []
    for (const m of text.matchAll(this.re)) if (m[0]) out.push({ text: m[0], start: m.index!, end: m.index! + m[0].length })
    return out
  }

  test(text: string): boolean {
    if (!this.re) return false
    this.re.lastIndex = 0
    const hit = this.re.test(text)
    this.re.lastIndex = 0
    return hit
  }
}

export interface NegationRules { negators: string[]; clauseBreaks: string[]; maxDistance: number }

/**
 * "没有胸痛" is not an emergency: a negator shortly before a match, in the same clause, cancels it.
 * The clause ends at punctuation or a contrast word (但是…), so "没有发烧，但是胸痛" still counts.
 */
export class Negation {
  private readonly negators: string[]
  private readonly breaks: string[]

  constructor(private readonly rules: NegationRules) {
    this.negators = [...rules.negators].map(String).sort((a, b) => b.length - a.length)
    this.breaks = rules.clauseBreaks.map(String)
  }

  isNegated(text: string, match: Match): boolean {
    let clauseStart = 0
    for (const b of this.breaks) {
      const i = text.lastIndexOf(b, match.start - 1)
      if (i >= 0 && i + b.length <= match.start) clauseStart = Math.max(clauseStart, i + b.length)
    }
    const before = text.slice(Math.max(clauseStart, match.start - this.rules.maxDistance - 3), match.start)
    return this.negators.some((n) => {
      const i = before.lastIndexOf(n)
      return i >= 0 && before.length - (i + n.length) <= this.rules.maxDistance
    })
  }

  /** Matches that are not negated. */
  affirmed(text: string, matches: Match[]): Match[] {
    return matches.filter((m) => !this.isNegated(text, m))
  }
}
