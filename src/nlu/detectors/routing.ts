import { Negation, RuleMatcher, type RuleSet } from './matcher.js'

export const COMPLAINT_CATEGORIES = [
  'medical_quality',
  'billing',
  'process_waiting',
  'service_attitude',
] as const
export type ComplaintCategory = (typeof COMPLAINT_CATEGORIES)[number]

export interface ComplaintRules {
  triggers: RuleSet
  infoRequests?: RuleSet
  categories: Partial<Record<ComplaintCategory, RuleSet>>
  levels: Record<string, RuleSet>
  defaultLevel?: number
}

export interface ComplaintFinding {
  category: ComplaintCategory | 'other'
  level: 1 | 2 | 3
  evidence: string
  /** The level a severity word set (律师, 报警, 曝光): a floor whatever else decides the level. */
  keywordLevel?: 1 | 2 | 3
}

/**
 * A complaint is an explicit trigger (投诉, 举报) or a grievance about one of the hospital's complaint
 * categories said with negative feeling. Level follows the hospital's complaint rules (1-3).
 */
export class ComplaintDetector {
  private readonly triggers: RuleMatcher
  private readonly infoRequests: RuleMatcher
  private readonly categories: Array<[ComplaintCategory, RuleMatcher]>
  private readonly levels: Array<[number, RuleMatcher]>
  private readonly defaultLevel: number

  constructor(
    rules: ComplaintRules,
    private readonly negation: Negation,
  ) {
    this.triggers = new RuleMatcher(rules.triggers)
    this.infoRequests = new RuleMatcher(rules.infoRequests)
    this.categories = COMPLAINT_CATEGORIES.filter((c) => rules.categories?.[c]).map((c) => [
      c,
      new RuleMatcher(rules.categories[c]),
    ])
    this.levels = Object.entries(rules.levels ?? {})
      .map(([lvl, r]) => [Number(lvl), new RuleMatcher(r)] as [number, RuleMatcher])
      .sort((a, b) => b[0] - a[0])
    this.defaultLevel = rules.defaultLevel ?? 1
  }

  detect(text: string, sentiment: number): ComplaintFinding | undefined {
    const trigger = this.negation.affirmed(text, this.triggers.matches(text))[0]
    let category: ComplaintCategory | 'other' = 'other'
    let evidence = trigger?.text
    for (const [name, matcher] of this.categories) {
      const hit = this.negation.affirmed(text, matcher.matches(text))[0]
      if (hit) {
        category = name
        evidence ??= hit.text
        break
      }
    }
    if (!trigger && (category === 'other' || sentiment >= -0.2)) return undefined
    if (category === 'other' && sentiment >= -0.2 && this.infoRequests.test(text)) return undefined
    const keyword = this.levels.find(([, m]) => this.negation.affirmed(text, m.matches(text)).length)?.[0]
    const level = keyword ?? this.defaultLevel
    const bumped = sentiment <= -0.85 ? Math.max(level, 2) : level
    const clamp = (n: number) => Math.min(3, Math.max(1, n)) as 1 | 2 | 3
    return {
      category,
      level: clamp(bumped),
      evidence: evidence ?? '',
      ...(keyword !== undefined ? { keywordLevel: clamp(keyword) } : {}),
    }
  }
}

export class HumanRequestDetector {
  private readonly matcher: RuleMatcher
  constructor(
    rules: RuleSet,
    private readonly negation: Negation,
  ) {
    this.matcher = new RuleMatcher(rules)
  }
  detect(text: string): string | undefined {
    return this.negation.affirmed(text, this.matcher.matches(text))[0]?.text
  }
}

export interface MedicalRules {
  questionPatterns: Record<string, RuleSet>
  symptoms: RuleSet
  symptomQuestionCues: RuleSet
  /** "挂什么科", "去哪看": a symptom with one of these asks where to go, not what it is. */
  routingCues?: RuleSet
}

export interface MedicalFinding {
  kind: string
  evidence: string
  symptom?: string
}

/** Questions only a clinician may answer: drugs, results, diagnosis, seriousness, treatment, symptoms. */
export class MedicalAdviceDetector {
  private readonly kinds: Array<[string, RuleMatcher]>
  private readonly symptoms: RuleMatcher
  private readonly cues: RuleMatcher
  private readonly routing: RuleMatcher

  constructor(
    rules: MedicalRules,
    private readonly negation: Negation,
  ) {
    this.kinds = Object.entries(rules.questionPatterns ?? {}).map(([k, r]) => [k, new RuleMatcher(r, k)])
    this.symptoms = new RuleMatcher(rules.symptoms)
    this.cues = new RuleMatcher(rules.symptomQuestionCues)
    this.routing = new RuleMatcher(rules.routingCues)
  }

  /** "挂什么科", "去哪看": the message asks where to go. */
  isRouting(text: string): boolean {
    return this.routing.test(text)
  }

  symptom(text: string): string | undefined {
    return this.negation.affirmed(text, this.symptoms.matches(text))[0]?.text
  }

  /** `text` has known names masked; `plain` is the same message unmasked (空腹血糖 is not 空腹血+糖). */
  detect(text: string, plain = text): MedicalFinding | undefined {
    const symptom = this.symptom(text)
    for (const [kind, matcher] of this.kinds) {
      const hit = matcher.matches(text)[0] ?? (plain !== text ? matcher.matches(plain)[0] : undefined)
      if (hit) return { kind, evidence: hit.text, ...(symptom ? { symptom } : {}) }
    }
    if (symptom && this.routing.test(text)) return { kind: 'routing', evidence: symptom, symptom }
    if (symptom && this.cues.test(text)) return { kind: 'symptom', evidence: symptom, symptom }
    return undefined
  }
}
