import { Negation, RuleMatcher, type NegationRules, type RuleSet } from './matcher.js'

export interface SafetyRules {
  emergency: { categories: Record<string, RuleSet> }
  selfHarm: RuleSet
  negation: NegationRules
}

export interface SafetyFinding {
  kind: 'emergency' | 'self_harm'
  category: string
  evidence: string
}

/** Life-threatening situations and self-harm: checked before anything else, and they always win. */
export class SafetyDetector {
  private readonly categories: Array<[string, RuleMatcher]>
  private readonly selfHarm: RuleMatcher
  readonly negation: Negation

  constructor(rules: SafetyRules) {
    this.categories = Object.entries(rules.emergency.categories ?? {}).map(([name, r]) => [
      name,
      new RuleMatcher(r, name),
    ])
    this.selfHarm = new RuleMatcher(rules.selfHarm, 'self_harm')
    this.negation = new Negation(rules.negation)
  }

  detect(text: string): SafetyFinding | undefined {
    const harm = this.negation.affirmed(text, this.selfHarm.matches(text))[0]
    if (harm) return { kind: 'self_harm', category: 'self_harm', evidence: harm.text }
    for (const [category, matcher] of this.categories) {
      const hit = this.negation.affirmed(text, matcher.matches(text))[0]
      if (hit) return { kind: 'emergency', category, evidence: hit.text }
    }
    return undefined
  }
}
