import { RuleMatcher, type RuleSet } from './matcher.js'

/** intents/<code>/detectors/elsewhere.yaml */
export interface ElsewhereRules {
  /** Intents found by a few keywords, answered only when the question is the hospital's. */
  intents: string[]
  /** Another person, business, service, place or medium. */
  subjects: RuleSet
  /** Words that make the question the hospital's. */
  hospital: RuleSet
  /** Another hospital or clinic: what is asked about it is never this hospital's fact. */
  institutions?: RuleSet
  /** Words that name this hospital, beside another one ("你们和人民医院哪个近"). */
  ours?: RuleSet
}

export interface Elsewhere {
  subject: string
  /** Another hospital or clinic: no fact of this hospital answers it, not only the keyword intents. */
  institution: boolean
}

/**
 * "帮我打电话给老王" is not a question about the hospital's phone numbers: a message that names another
 * subject and nothing of the hospital's is about something else, whatever keyword it shares.
 */
export class ElsewhereDetector {
  readonly intents: ReadonlySet<string>
  private readonly subjects: RuleMatcher
  private readonly hospital: RuleMatcher
  private readonly institutions: RuleMatcher
  private readonly ours: RuleMatcher

  constructor(rules: ElsewhereRules) {
    this.intents = new Set(rules.intents)
    this.subjects = new RuleMatcher(rules.subjects, 'elsewhere')
    this.hospital = new RuleMatcher(rules.hospital, 'hospital')
    this.institutions = new RuleMatcher(rules.institutions, 'institution')
    this.ours = new RuleMatcher(rules.ours, 'ours')
  }

  /** The other subject a message is about: another hospital not beside this one, or another subject and nothing of the hospital's. */
  detect(text: string): Elsewhere | undefined {
    const institution = this.institutions.matches(text)[0]?.text
    if (institution && !this.ours.test(text)) return { subject: institution, institution: true }
    if (this.hospital.test(text)) return undefined
    const subject = this.subjects.matches(text)[0]?.text
    return subject ? { subject, institution: false } : undefined
  }
}
