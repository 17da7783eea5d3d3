import type { KnowledgeBase } from '../knowledge-base/types.js'
import { createHash } from 'node:crypto'
import { IntentClassifier, type Ranked } from './classifier.js'
import {
  ComplaintDetector,
  HumanRequestDetector,
  MedicalAdviceDetector,
  type ComplaintFinding,
  type MedicalFinding,
} from './detectors/routing.js'
import { SafetyDetector, type SafetyFinding } from './detectors/safety.js'
import type { ForeignReading } from './reply-only.js'
import { GrievanceModel } from './grievance.js'
import { ElsewhereDetector, type Elsewhere } from './detectors/elsewhere.js'
import { EmergencyModel } from './emergency-model.js'
import { EntityExtractor, maskMentions, type Entities } from './entities.js'
import { extractFeatures, type FeatureScheme } from './features.js'
import type { LanguageSpec } from './language.js'
import { createNormaliser, HomophoneCorrector, type Corrector, type Normaliser } from './normalise.js'
import type { LanguagePack, NluResources } from './resources.js'
import { SentimentAnalyser } from './sentiment.js'
import { SpellingCorrector } from './spelling.js'
import { userWords } from './segment.js'
import { TermIndex } from './terms.js'
import { jiebaTokenizer, wordTokenizer } from './tokenizers.js'
import { codeFingerprint } from './training-store.js'

const ANALYSIS_CACHE_SIZE = 5000

/** What a pipeline learns from its examples: the spelling corrector, the classifier, the words used. */
interface Training {
  corrector: Corrector
  classifier: IntentClassifier
  words: string[]
}

/**
 * Most publishes change facts (a floor, an opening time), not the examples or the names: training
 * on the same inputs is reused instead of repeated (features of every example, calibration). A few
 * recent ones are kept: each language, live, draft and the accuracy check's splits.
 */
const TRAININGS_KEPT = 8
const trainings = new Map<string, Training>()
// A pack's rule data is read once per process: its fingerprint is computed once per pack object.
const packFingerprints = new WeakMap<LanguagePack, string>()

function packFingerprint(pack: LanguagePack): string {
  let fingerprint = packFingerprints.get(pack)
  if (!fingerprint) {
    fingerprint = createHash('sha256')
      .update(JSON.stringify([pack.spec, pack.resources, pack.dictionaryId ?? null]))
      .digest('base64url')
    packFingerprints.set(pack, fingerprint)
  }
  return fingerprint
}

/**
 * Everything a training reads, hashed: the same key means the same training, in this run or the next.
 * Names count with their types, and the segmenter's whole user dictionary counts (it holds the names
 * of every knowledge version this process has seen).
 */
function trainingKey(
  pack: LanguagePack,
  names: string[],
  vocabulary: string[],
  triageWords: string[],
  intents: KnowledgeBase['intents'],
): string {
  const parts = [codeFingerprint(), packFingerprint(pack), names, vocabulary, userWords(), triageWords]
  const hash = createHash('sha256').update(
    parts.map((p) => (Array.isArray(p) ? p.join('\u0001') : p)).join('\u0000'),
  )
  for (const i of intents) hash.update(`\u0002${i.id}\u0003${i.examples.join('\u0001')}`)
  return hash.digest('base64url')
}

function remember(key: string, training: Training): void {
  trainings.delete(key)
  trainings.set(key, training)
  if (trainings.size > TRAININGS_KEPT) trainings.delete(trainings.keys().next().value!)
}

/** A training kept on disk, if there is one for this key and it is whole; else undefined (train anew). */
function restore(pack: LanguagePack, key: string, corrector: Corrector): Training | undefined {
  const stored = pack.trainings?.load(key)
  if (!stored) return undefined
  try {
    return {
      corrector,
      classifier: IntentClassifier.fromState(stored.classifier),
      words: stored.words.map(String),
    }
  } catch {
    return undefined
  }
}

/** Everything the NLU found in one message; the dialogue decision reads only this. */
export interface Analysis {
  normalised: string
  tokens: string[]
  entities: Entities
  safety?: SafetyFinding
  /** Written in a language the bot recognises but does not answer in (intents/reply-only/). */
  foreign?: ForeignReading
  humanRequest?: string
  complaint?: ComplaintFinding
  /** Another subject than the hospital ("打电话给老王"), for the keyword intents it would mislead. */
  elsewhere?: Elsewhere & { intents: ReadonlySet<string> }
  /** P(distress) where the learned model found distress the sentiment lexicon and rules missed. */
  distress?: number
  medical?: MedicalFinding
  /** The message asks which department or where to go ("挂什么科"). */
  routing: boolean
  /** The message only continues the previous question ("那骨科呢", "and neurology?"). */
  followUp: boolean
  /** The message asks where to go or which department ("去几楼", "在哪看"). */
  asksWhere: boolean
  /** What the message says besides the names it mentions and filler words ("那呢" → ""). */
  remainder: string
  /** Short enough to be a follow-up of the previous topic when it names nothing. */
  short: boolean
  sentiment: number
  ranked: Ranked[]
  /** How close the message is to one intent's nearest example: a tie-breaker, computed on demand. */
  nearest: (intent: string) => number
  /** Nouns that are not hospital vocabulary (食堂 in "食堂几点开"): what else a question is about. */
  unknownNouns: () => string[]
}

/**
 * One pass per message: normalise → segment → detect (safety, routing, sentiment) → classify.
 * Built once per knowledge base; a publish builds a new one and swaps it in whole.
 */
export class NluPipeline {
  /**
   * Normalisation without the spelling correction, which is applied last: the message as typed is
   * kept for the red flags, as a correction must never erase one (挂好 → 挂号).
   */
  private readonly literal: Normaliser
  private readonly corrector: Corrector
  private readonly entities: EntityExtractor
  private readonly safety: SafetyDetector
  private readonly human: HumanRequestDetector
  private readonly complaint: ComplaintDetector
  private readonly grievance: GrievanceModel | undefined
  private readonly emergencyModel: EmergencyModel | undefined
  private readonly elsewhere: ElsewhereDetector | undefined
  private readonly medicalDetector: MedicalAdviceDetector
  private readonly sentiment: SentimentAnalyser
  private readonly stopwords: Set<string>
  private readonly known: Set<string>
  private readonly scheme: FeatureScheme
  private readonly followUpPattern: RegExp
  private readonly wherePattern: RegExp
  private readonly fillers: RegExp
  readonly classifier: IntentClassifier
  /** Where the classifier came from: trained now, reused from this process, or loaded from disk. */
  readonly training: 'trained' | 'reused' | 'loaded'
  private readonly cache = new Map<string, Analysis>()
  private readonly symptoms = new WeakMap<Analysis, string | undefined>()

  readonly language: LanguageSpec

  constructor(
    readonly kb: KnowledgeBase,
    pack: LanguagePack,
  ) {
    const { spec: language, resources } = pack
    this.language = language
    this.entities = new EntityExtractor(kb, resources.timeWords)
    const vocabulary = [...this.entities.terms(), ...resources.domainWords]
    this.stopwords = new Set(resources.stopwords)
    const spaced = language.tokenizer === 'words'
    const tokenizer = spaced ? wordTokenizer(this.stopwords, () => this.known) : jiebaTokenizer
    tokenizer.addWords(vocabulary)
    const triageWords = kb.triage.flatMap((r) => r.keywords.map(String))
    this.scheme = {
      tokenizer,
      stopwords: this.stopwords,
      spaced,
      conditions: new TermIndex(triageWords, { plural: spaced }),
    }
    const key = trainingKey(pack, this.entities.typedTerms(), vocabulary, triageWords, kb.intents)
    const reused = trainings.get(key)
    // A spaced language's spelling is corrected towards every word its data uses; Chinese typos are
    // mostly same-sound characters, corrected towards the knowledge's names by pinyin.
    const corrector =
      reused?.corrector ??
      (spaced
        ? new SpellingCorrector({
            targets: [...vocabulary, ...ruleWords(resources), ...triageWords],
            known: [...kb.intents.flatMap((i) => i.examples), ...resources.stopwords],
            ...(pack.dictionary ? { dictionary: pack.dictionary() } : {}),
          })
        : new HomophoneCorrector(vocabulary))
    this.literal = createNormaliser(resources.typos, { correct: (t) => t })
    this.corrector = corrector
    this.followUpPattern = new RegExp(language.dialogue.followUp, 'u')
    this.wherePattern = new RegExp(language.dialogue.where, 'iu')
    this.fillers = new RegExp(language.dialogue.fillers, 'gu')
    this.safety = new SafetyDetector({
      emergency: resources.emergency,
      selfHarm: resources.selfHarm,
      negation: resources.negation,
      context: resources.context,
    })
    this.human = new HumanRequestDetector(resources.humanRequest, this.safety.negation)
    this.complaint = new ComplaintDetector(resources.complaint, this.safety.negation)
    // Learned against the FAQ's own questions and the out-of-scope ones, so asking about a refund is not
    // a billing complaint, nor a question about the World Cup distress.
    const examples = trainingExamples(kb, resources)
    const questions = examples
      .filter((i) => !['complaint', 'request_human', 'medical_question'].includes(i.intent))
      .flatMap((i) => i.examples)
    this.grievance = resources.grievances ? new GrievanceModel(resources.grievances, questions) : undefined
    this.emergencyModel = resources.emergencyExamples
      ? new EmergencyModel(
          resources.emergencyExamples,
          examples.flatMap((i) => i.examples),
        )
      : undefined
    this.elsewhere = resources.elsewhere ? new ElsewhereDetector(resources.elsewhere) : undefined
    this.medicalDetector = new MedicalAdviceDetector(resources.medical, this.safety.negation)
    this.sentiment = new SentimentAnalyser(resources.sentiment)
    const loaded = reused ? undefined : restore(pack, key, corrector)
    const training = reused ?? loaded ?? this.train(examples, corrector, pack, key)
    this.training = reused ? 'reused' : loaded ? 'loaded' : 'trained'
    remember(key, training)
    this.known = new Set([
      ...vocabulary,
      ...resources.genericNouns,
      ...Object.values(resources.timeWords).flat(),
      ...training.words,
    ])
    this.classifier = training.classifier
  }

  private train(
    examples: NluResources['trainingOnly'],
    corrector: Corrector,
    pack: LanguagePack,
    key: string,
  ): Training {
    const normalised = examples.map(({ intent, examples }) => ({
      intent,
      texts: examples.map((ex) => this.corrector.correct(this.literal(ex))),
    }))
    const data = normalised.flatMap(({ intent, texts }) =>
      texts.map((text) => ({
        intent,
        features: extractFeatures(text, this.entities.extract(text).mentions, this.scheme).features,
      })),
    )
    const words = this.scheme.spaced
      ? normalised.flatMap(({ texts }) => texts.flatMap((t) => t.split(/[^\p{L}']+/u)))
      : []
    const classifier = new IntentClassifier(data)
    pack.trainings?.save(key, { classifier: classifier.state(), words })
    return { corrector, classifier, words }
  }

  /**
   * Patients ask the same questions in the same words ("转人工", "心内科在几楼"): the analysis of a
   * text is a pure function of it and this knowledge version, so recent ones are kept (LRU).
   */
  analyse(text: string): Analysis {
    const hit = this.cache.get(text)
    if (hit) {
      this.cache.delete(text)
      this.cache.set(text, hit)
      return hit
    }
    const analysis = this.analyseUncached(text)
    this.cache.set(text, analysis)
    if (this.cache.size > ANALYSIS_CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!)
    return analysis
  }

  private elsewhereOf(text: string): { elsewhere?: Analysis['elsewhere'] } {
    const found = this.elsewhere?.detect(text)
    return found ? { elsewhere: { ...found, intents: this.elsewhere!.intents } } : {}
  }

  analyseUncached(text: string): Analysis {
    const literal = this.literal(text)
    const normalised = this.corrector.correct(literal)
    const entities = this.entities.extract(normalised)
    const masked = maskMentions(normalised, entities.mentions)
    const sentiment = this.sentiment.score(masked)
    const { tokens, features } = extractFeatures(normalised, entities.mentions, this.scheme)
    // A red flag the corrector changed away is looked for in the message as typed; one the rules do not
    // list, by the model behind them, unless the message says it is not happening now.
    const safety =
      this.safety.detect(masked) ??
      (literal === normalised ? undefined : this.safety.detect(literal)) ??
      this.rescued(masked, normalised)
    const humanRequest = this.human.detect(masked)
    const ruled = this.complaint.detect(masked, sentiment)
    // The rules say whether it is a complaint; the model, which ranks them better, says which and how serious.
    // Where the rules find nothing, the learned model may find a complaint by what happened, or distress.
    const learned = safety || ruled || humanRequest ? undefined : this.grievance?.detect(normalised)
    const complaint =
      ruled && this.grievance
        ? this.grievance.refine(normalised, ruled)
        : (ruled ?? (learned && 'complaint' in learned ? learned.complaint : undefined))
    // Chinese names are masked inside words (空腹血糖 is not 空腹血+糖), so Chinese rules also read the
    // unmasked text; a spaced language's names are whole words, and its rules expect them masked.
    const medical = this.medicalDetector.detect(masked, this.scheme.spaced ? masked : normalised)
    return {
      normalised,
      tokens,
      entities,
      sentiment,
      routing: this.medicalDetector.isRouting(masked),
      followUp: this.followUpPattern.test(normalised),
      asksWhere: this.wherePattern.test(normalised),
      remainder: maskMentions(normalised, entities.mentions, '').replace(this.fillers, ''),
      short: [...normalised].length <= this.language.dialogue.shortFollowUp,
      ...(safety ? { safety } : {}),
      ...(humanRequest ? { humanRequest } : {}),
      ...(complaint ? { complaint } : {}),
      ...(learned && 'distress' in learned ? { distress: learned.distress } : {}),
      ...this.elsewhereOf(normalised),
      ...(medical ? { medical } : {}),
      ranked: this.classifier.classify(features),
      nearest: (intent: string) => this.classifier.nearest(features, intent),
      unknownNouns: () =>
        this.scheme.tokenizer
          .nouns(masked.replace(/□/g, ' '))
          .filter((w) => [...w].length >= 2 && !this.known.has(w) && !this.stopwords.has(w)),
    }
  }

  /** What the model behind the rules finds, unless the message says it is not happening now. */
  private rescued(masked: string, normalised: string): SafetyFinding | undefined {
    const found = this.emergencyModel?.detect(normalised)
    return found && !this.safety.isNotNow(masked, found.kind) ? found : undefined
  }

  /** The symptom a message mentions, for the department hint; kept with the (cached) analysis. */
  symptomOf(analysis: Analysis): string | undefined {
    if (!this.symptoms.has(analysis)) {
      this.symptoms.set(
        analysis,
        analysis.medical?.symptom ??
          this.medicalDetector.symptom(maskMentions(analysis.normalised, analysis.entities.mentions)),
      )
    }
    return this.symptoms.get(analysis)
  }
}

/** Each intent's examples, then the training-only ones of intents this knowledge has (intents/<lang>/training/). */
function trainingExamples(kb: KnowledgeBase, r: NluResources): NluResources['trainingOnly'] {
  const known = new Set(kb.intents.map((i) => i.id))
  return [
    ...kb.intents.map((i) => ({ intent: i.id, examples: i.examples })),
    ...r.trainingOnly.filter((t) => known.has(t.intent)),
  ]
}

/** Words of the safety and routing rules, so a misspelt "unconcious" is corrected to a word they know. */
function ruleWords(r: NluResources): string[] {
  const sets = [
    r.selfHarm,
    r.humanRequest,
    r.complaint.triggers,
    ...Object.values(r.emergency.categories),
    ...Object.values(r.complaint.categories),
    ...Object.values(r.medical.questionPatterns ?? {}),
    r.medical.symptoms,
    r.medical.symptomQuestionCues,
  ]
  return sets.flatMap((set) => [
    ...(set?.terms ?? []).map(String),
    ...(set?.patterns ?? []).flatMap((p) => p.replace(/\\[a-z]/gi, ' ').match(/[a-z]{5,}/g) ?? []),
  ])
}
