import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { readYaml } from '../knowledge-base/load.js'
import type { ComplaintRules, MedicalRules } from './detectors/routing.js'
import type { ContextRules } from './detectors/safety.js'
import type { GrievanceExamples } from './grievance.js'
import type { ElsewhereRules } from './detectors/elsewhere.js'
import type { EmergencyExamples } from './emergency-model.js'
import type { NegationRules, RuleSet } from './detectors/matcher.js'
import type { SentimentLexicon } from './sentiment.js'
import type { TimeWord } from './entities.js'
import { TrainingStore } from './training-store.js'
import { availableLanguages, loadLanguageSpec, type LanguageSpec } from './language.js'

/** Rule data the NLU reads from intents/: detectors and lexicons, reviewable as files. */
export interface NluResources {
  emergency: { categories: Record<string, RuleSet> }
  selfHarm: RuleSet
  negation: NegationRules
  /** When a red flag is not a present emergency (history, hypotheticals…): optional per language. */
  context: ContextRules
  humanRequest: RuleSet
  complaint: ComplaintRules
  /** Keyword intents answered only when the question is the hospital's (optional per language). */
  elsewhere?: ElsewhereRules
  /** Complaints and distress as patients say them, to learn from (optional per language). */
  grievances?: GrievanceExamples
  /** Present emergencies and their look-alikes, for the model behind the red-flag rules (optional). */
  emergencyExamples?: EmergencyExamples
  /**
   * Examples that only train (intents/<lang>/training/<intent>.yaml): the broad out-of-scope set, so
   * cross-validation keeps scoring the intents' own examples and is not flattered by 1,600 easy ones.
   */
  trainingOnly: Array<{ intent: string; examples: string[] }>
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
  const optional = <T>(f: string, dflt: T): T => (existsSync(f) ? (readYaml<T>(f) ?? dflt) : dflt)
  return {
    emergency: readYaml(file('detectors', 'emergency.yaml')),
    selfHarm: readYaml(file('detectors', 'self_harm.yaml')),
    negation: readYaml(file('detectors', 'negation.yaml')),
    context: optional<ContextRules>(file('detectors', 'context.yaml'), {}),
    humanRequest: readYaml(file('detectors', 'human_request.yaml')),
    complaint: readYaml(file('detectors', 'complaint.yaml')),
    ...(existsSync(file('detectors', 'elsewhere.yaml'))
      ? { elsewhere: readYaml<ElsewhereRules>(file('detectors', 'elsewhere.yaml')) }
      : {}),
    ...(existsSync(file('detectors', 'grievances.yaml'))
      ? { grievances: readYaml<GrievanceExamples>(file('detectors', 'grievances.yaml')) }
      : {}),
    ...(existsSync(file('detectors', 'emergency_examples.yaml'))
      ? { emergencyExamples: readYaml<EmergencyExamples>(file('detectors', 'emergency_examples.yaml')) }
      : {}),
    trainingOnly: trainingOnly(file('training')),
    medical: readYaml(file('detectors', 'medical_advice.yaml')),
    sentiment: readYaml(file('lexicons', 'sentiment.yaml')),
    typos:
      optional<{ corrections?: Record<string, string> }>(file('lexicons', 'typos.yaml'), {}).corrections ??
      {},
    timeWords: optional(file('lexicons', 'time-words.yaml'), {}),
    stopwords: optional<{ words?: string[] }>(file('lexicons', 'stopwords.yaml'), {}).words ?? [],
    domainWords: optional<{ words?: string[] }>(file('lexicons', 'domain-words.yaml'), {}).words ?? [],
    genericNouns:
      optional<{ genericNouns?: string[] }>(file('lexicons', 'domain-words.yaml'), {}).genericNouns ?? [],
  }
}

function trainingOnly(dir: string): NluResources['trainingOnly'] {
  if (!existsSync(dir)) return []
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => readYaml<{ intent: string; examples: unknown[] }>(path.join(dir, f)))
    .map((d) => ({ intent: String(d.intent), examples: (d.examples ?? []).map(String) }))
}

/**
 * A language's reading rules and rule data, from intents/<code>/, and its dictionary if it has one.
 * Both are read on first use: a language trained after start-up costs start-up nothing.
 */
export interface LanguagePack {
  readonly spec: LanguageSpec
  readonly resources: NluResources
  readonly dictionary?: () => ReadonlySet<string>
  /** The word list's file, size and modification time: what the spelling corrector was built from. */
  readonly dictionaryId?: string
  /** Where trainings on this language's data are kept between runs, if anywhere. */
  readonly trainings?: TrainingStore
}

export async function loadLanguagePacks(
  intentsDir: string,
  options: { trainingDir?: string } = {},
): Promise<Map<string, LanguagePack>> {
  const trainings = options.trainingDir ? new TrainingStore(options.trainingDir) : undefined
  const packs = new Map<string, LanguagePack>()
  for (const code of availableLanguages(intentsDir)) {
    const spec = loadLanguageSpec(intentsDir, code)
    const words = spec.dictionary
      ? await dictionaryFile(spec.dictionary, path.join(intentsDir, code))
      : undefined
    let resources: NluResources | undefined
    packs.set(code, {
      spec,
      get resources() {
        return (resources ??= loadNluResources(intentsDir, code))
      },
      ...(words ? { dictionary: () => readDictionary(words), dictionaryId: dictionaryId(words) } : {}),
      ...(trainings ? { trainings } : {}),
    })
  }
  return packs
}

/** The word list's file: an npm package's default export (word-list), or a file under intents/<code>/. */
async function dictionaryFile(name: string, languageDir: string): Promise<string> {
  if (name.startsWith('.') || name.startsWith('/')) return path.resolve(languageDir, name)
  return String(((await import(name)) as { default: unknown }).default)
}

/** A word list file as it is now: an edit changes its modification time even if not its size. */
function dictionaryId(file: string): string {
  const { size, mtimeMs } = statSync(file)
  return `${file}:${size}:${mtimeMs}`
}

const dictionaries = new Map<string, ReadonlySet<string>>()

/** A word list, read once per process (English: 274k words, ~150 ms). */
function readDictionary(file: string): ReadonlySet<string> {
  let words = dictionaries.get(file)
  if (!words) {
    words = new Set(
      readFileSync(file, 'utf8')
        .split('\n')
        .map((w) => w.trim().toLowerCase())
        .filter(Boolean),
    )
    dictionaries.set(file, words)
  }
  return words
}
