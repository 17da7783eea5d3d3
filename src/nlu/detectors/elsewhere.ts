import { RuleMatcher, type RuleSet } from './matcher.js'

/** intents/<code>/detectors/elsewhere.yaml */
export interface ElsewhereRules {
  /** Intents found by a few keywords, answered only when the question is the hospital's. */
  intents: string[]
  /** Another person, business, service, place or medium. */
  subjects: RuleSet
  /** Words that make the question the hospital's. */
  hospital: RuleSet
}

/**
 * "帮我打电话给老王" is not a question about the hospital's phone numbers: a message that names another
 * subject and nothing of the hospital's is about something else, whatever keyword it shares.
 */
export class ElsewhereDetector {
  readonly intents: ReadonlySet<string>
  private readonly subjects: RuleMatcher
  private readonly hospital: RuleMatcher

  constructor(rules: ElsewhereRules) {
    this.intents = new Set(rules.intents)
    this.subjects = new RuleMatcher(rules.subjects, 'elsewhere')
    this.hospital = new RuleMatcher(rules.hospital, 'hospital')
  }

  /** The other subject a message is about, if it names one and nothing of the hospital's. */
  detect(text: string): string | undefined {
    if (this.hospital.test(text)) return undefined
    return this.subjects.matches(text)[0]?.text
  }
}
