import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { readYaml } from '../knowledge-base/load.js'
import type { ComplaintRules, MedicalRules } from './detectors/routing.js'
import type { NegationRules, RuleSet } from './detectors/matcher.js'
import type { SentimentLexicon } from './sentiment.js'
import type { TimeWord } from './entities.js'
import { availableLanguages, loadLanguageSpec, type LanguageSpec } from './language.js'

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

export function loadNluResources(intentsDir: string, lang = 'zh'): NluResources {
  const file = (...p: string[]) => path.join(intentsDir, lang, ...p)
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

/** A language's reading rules and rule data, from intents/<code>/, and its dictionary if it has one. */
export interface LanguagePack { spec: LanguageSpec; resources: NluResources; dictionary?: ReadonlySet<string> }

export async function loadLanguagePacks(intentsDir: string): Promise<Map<string, LanguagePack>> {
  const packs = new Map<string, LanguagePack>()
  for (const code of availableLanguages(intentsDir)) {
    const spec = loadLanguageSpec(intentsDir, code)
    const dictionary = spec.dictionary ? await loadDictionary(spec.dictionary, path.join(intentsDir, code)) : undefined
    packs.set(code, { spec, resources: loadNluResources(intentsDir, code), ...(dictionary ? { dictionary } : {}) })
  }
  return packs
}

const dictionaries = new Map<string, Promise<ReadonlySet<string>>>()

/** A word list, read once per process (English: 274k words, about 60 ms). */
function loadDictionary(name: string, languageDir: string): Promise<ReadonlySet<string>> {
  const local = name.startsWith('.') || name.startsWith('/')
  const key = local ? path.resolve(languageDir, name) : name
  let words = dictionaries.get(key)
  if (!words) {
    words = (async () => {
      const file = local ? key : String((await import(name) as { default: unknown }).default)
      return new Set(readFileSync(file, 'utf8').split('\n').map((w) => w.trim().toLowerCase()).filter(Boolean))
    })()
    dictionaries.set(key, words)
  }
  return words
}
