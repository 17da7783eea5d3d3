import { Negation, RuleMatcher, type NegationRules, type RuleSet } from './matcher.js'

/** When a red flag is not a present emergency (intents/<code>/detectors/context.yaml). */
export interface ContextRules {
  /** History, hypotheticals, information, a question about a department. */
  notNow?: RuleSet
  /** A bodily symptom said to be slight: not now for emergencies, never for self-harm. */
  mild?: RuleSet
  /** Signs that it is happening now: they keep the emergency whatever the context. */
  acute?: RuleSet
}

export interface SafetyRules {
  emergency: { categories: Record<string, RuleSet> }
  selfHarm: RuleSet
  negation: NegationRules
  context?: ContextRules
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
  private readonly notNow: RuleMatcher
  private readonly mild: RuleMatcher
  private readonly acute: RuleMatcher
  readonly negation: Negation

  constructor(rules: SafetyRules) {
    this.categories = Object.entries(rules.emergency.categories ?? {}).map(([name, r]) => [
      name,
      new RuleMatcher(r, name),
    ])
    this.selfHarm = new RuleMatcher(rules.selfHarm, 'self_harm')
    this.negation = new Negation(rules.negation)
    this.notNow = new RuleMatcher(rules.context?.notNow, 'not_now')
    this.mild = new RuleMatcher(rules.context?.mild, 'mild')
    this.acute = new RuleMatcher(rules.context?.acute, 'acute')
  }

  detect(text: string): SafetyFinding | undefined {
    const finding = this.find(text)
    // A red flag told as history, a hypothetical or a question about a department, with nothing that
    // says it is happening now, is not raised: it is answered as the question it is.
    if (finding && this.isNotNow(text, finding.kind)) return undefined
    return finding
  }

  /**
   * History, a hypothetical or a question about a department (or, for a bodily emergency, a symptom
   * said to be slight), with no sign that it is happening now.
   */
  isNotNow(text: string, kind: SafetyFinding['kind'] = 'emergency'): boolean {
    const context = this.notNow.test(text) || (kind === 'emergency' && this.mild.test(text))
    return context && !this.acute.test(text)
  }

  private find(text: string): SafetyFinding | undefined {
    const harm = this.negation.affirmed(text, this.selfHarm.matches(text))[0]
    if (harm) return { kind: 'self_harm', category: 'self_harm', evidence: harm.text }
    for (const [category, matcher] of this.categories) {
      const hit = this.negation.affirmed(text, matcher.matches(text))[0]
      if (hit) return { kind: 'emergency', category, evidence: hit.text }
    }
    return undefined
  }
}
