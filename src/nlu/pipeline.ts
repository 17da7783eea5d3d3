import type { KnowledgeBase } from '../knowledge-base/types.js'
import { IntentClassifier, type Ranked } from './classifier.js'
import { ComplaintDetector, HumanRequestDetector, MedicalAdviceDetector, type ComplaintFinding, type MedicalFinding } from './detectors/routing.js'
import { SafetyDetector, type SafetyFinding } from './detectors/safety.js'
import { EntityExtractor, maskMentions, type Entities } from './entities.js'
import { extractFeatures } from './features.js'
import { createNormaliser, HomophoneCorrector, type Normaliser } from './normalise.js'
import type { NluResources } from './resources.js'
import { addUserWords, nouns } from './segment.js'
import { SentimentAnalyser } from './sentiment.js'

const ANALYSIS_CACHE_SIZE = 5000

/** Everything the NLU found in one message; the dialogue decision reads only this. */
export interface Analysis {
  normalised: string
  tokens: string[]
  entities: Entities
  safety?: SafetyFinding
  humanRequest?: string
  complaint?: ComplaintFinding
  medical?: MedicalFinding
  /** The message asks which department or where to go ("挂什么科"). */
  routing: boolean
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
  private readonly normalise: Normaliser
  private readonly entities: EntityExtractor
  private readonly safety: SafetyDetector
  private readonly human: HumanRequestDetector
  private readonly complaint: ComplaintDetector
  private readonly medicalDetector: MedicalAdviceDetector
  private readonly sentiment: SentimentAnalyser
  private readonly stopwords: Set<string>
  private readonly known: Set<string>
  readonly classifier: IntentClassifier
  private readonly cache = new Map<string, Analysis>()

  constructor(readonly kb: KnowledgeBase, resources: NluResources) {
    this.entities = new EntityExtractor(kb, resources.timeWords)
    const vocabulary = [...this.entities.terms(), ...resources.domainWords]
    addUserWords(vocabulary)
    this.normalise = createNormaliser(resources.typos, new HomophoneCorrector(vocabulary))
    this.safety = new SafetyDetector({ emergency: resources.emergency, selfHarm: resources.selfHarm, negation: resources.negation })
    this.human = new HumanRequestDetector(resources.humanRequest, this.safety.negation)
    this.complaint = new ComplaintDetector(resources.complaint, this.safety.negation)
    this.medicalDetector = new MedicalAdviceDetector(resources.medical, this.safety.negation)
    this.sentiment = new SentimentAnalyser(resources.sentiment)
    this.stopwords = new Set(resources.stopwords)
    this.known = new Set([...vocabulary, ...resources.genericNouns, ...Object.values(resources.timeWords).flat()])
    const data = kb.intents.flatMap((intent) => intent.examples.map((ex) => {
      const text = this.normalise(ex)
      return { intent: intent.id, features: extractFeatures(text, this.entities.extract(text).mentions, this.stopwords).features }
    }))
    this.classifier = new IntentClassifier(data)
  }

  /**
   * Patients ask the same questions in the same words ("转人工", "心内科在几楼"): the analysis of a
   * text is a pure function of it and this knowledge version, so recent ones are kept (LRU).
   */
  analyse(text: string): Analysis {
    const hit = this.cache.get(text)
    if (hit) { this.cache.delete(text); this.cache.set(text, hit); return hit }
    const analysis = this.analyseUncached(text)
    this.cache.set(text, analysis)
    if (this.cache.size > ANALYSIS_CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!)
    return analysis
  }

  analyseUncached(text: string): Analysis {
    const normalised = this.normalise(text)
    const entities = this.entities.extract(normalised)
    const masked = maskMentions(normalised, entities.mentions)
    const sentiment = this.sentiment.score(masked)
    const { tokens, features } = extractFeatures(normalised, entities.mentions, this.stopwords)
    const safety = this.safety.detect(masked)
    const humanRequest = this.human.detect(masked)
    const complaint = this.complaint.detect(masked, sentiment)
    const medical = this.medicalDetector.detect(masked, normalised)
    return {
      normalised, tokens, entities, sentiment, routing: this.medicalDetector.isRouting(masked),
      ...(safety ? { safety } : {}),
      ...(humanRequest ? { humanRequest } : {}),
      ...(complaint ? { complaint } : {}),
      ...(medical ? { medical } : {}),
      ranked: this.classifier.classify(features),
      nearest: (intent: string) => this.classifier.nearest(features, intent),
      unknownNouns: () => nouns(masked.replace(/□/g, ' ')).filter((w) => [...w].length >= 2 && !this.known.has(w) && !this.stopwords.has(w)),
    }
  }

  /** A symptom word in the message, for the department hint of a medical fallback. */
  symptomOf(analysis: Analysis): string | undefined {
    return analysis.medical?.symptom ?? this.medicalDetector.symptom(maskMentions(analysis.normalised, analysis.entities.mentions))
  }
}
