import { existsSync } from 'node:fs'
import path from 'node:path'
import { readYaml } from '../knowledge-base/load.js'
import type { ComplaintRules, MedicalRules } from './detectors/routing.js'
import type { NegationRules, RuleSet } from './detectors/matcher.js'
import type { SentimentLexicon } from './sentiment.js'
import type { TimeWord } from './entities.js'

/** Rule data the NLU reads from intents/: detectors and lexicons, reviewable as files. */
export interface NluResources {
  emergency: { categories: Record<string, RuleSet> }
  selfHarm: RuleSet
  negation: NegationRules
  humanRequest: RuleSet
  complaint: ComplaintRules
  medical: MedicalRules
  sentiment: SentimentLexicon
  typos: Record<string, string>
  timeWords: Partial<Record<TimeWord, string[]>>
  stopwords: string[]
  domainWords: string[]
  genericNouns: string[]
}

export function loadNluResources(intentsDir: string): NluResources {
  const file = (...p: string[]) => path.join(intentsDir, ...p)
  const optional = <T>(f: string, dflt: T): T => (existsSync(f) ? readYaml<T>(f) ?? dflt : dflt)
  return {
    emergency: readYaml(file('detectors', 'emergency.yaml')),
    selfHarm: readYaml(file('detectors', 'self_harm.yaml')),
    negation: readYaml(file('detectors', 'negation.yaml')),
    humanRequest: readYaml(file('detectors', 'human_request.yaml')),
    complaint: readYaml(file('detectors', 'complaint.yaml')),
    medical: readYaml(file('detectors', 'medical_advice.yaml')),
    sentiment: readYaml(file('lexicons', 'sentiment.yaml')),
    typos: optional<{ corrections?: Record<string, string> }>(file('lexicons', 'typos.yaml'), {}).corrections ?? {},
    timeWords: optional(file('lexicons', 'time-words.yaml'), {}),
    stopwords: optional<{ words?: string[] }>(file('lexicons', 'stopwords.yaml'), {}).words ?? [],
    domainWords: optional<{ words?: string[] }>(file('lexicons', 'domain-words.yaml'), {}).words ?? [],
    genericNouns: optional<{ genericNouns?: string[] }>(file('lexicons', 'domain-words.yaml'), {}).genericNouns ?? [],
  }
}
