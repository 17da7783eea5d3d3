import type { KnowledgeBase } from '../knowledge-base/types.js'
import { LanguageDetector, replyLanguage, type DetectedLanguages } from '../nlu/language.js'
import { NluPipeline, type Analysis } from '../nlu/pipeline.js'
import type { LanguagePack } from '../nlu/resources.js'
import { ReplyOnlyLanguages } from '../nlu/reply-only.js'
import { Composer } from './compose.js'
import { decide, type DecideOptions } from './decide.js'

const DETECTED_KEPT = 5000

/** One language's reading of messages and wording of answers over the same facts. */
export interface LanguageBrain {
  readonly nlu: NluPipeline
  composer: Composer
}

/** What the brain made of a message: its analysis, by which language, and the language to answer in. */
export interface Reading {
  analysis: Analysis
  nlu: NluPipeline
  reply: LanguageBrain
  lang: string
}

/**
 * A knowledge version's NLU and composers in every language it has, swapped together when a new
 * version is published. A language needs both its data in intents/<code>/ and a knowledge locale.
 * Only the base language is trained up front; the others are trained by `warm()` in the background
 * (or on their first message), so a publish goes live in the time one language takes to train.
 */
export class BotBrain {
  readonly detector: LanguageDetector
  private readonly brains = new Map<string, LanguageBrain>()
  private readonly pipelines = new Map<string, NluPipeline>()
  private readonly detected = new Map<string, DetectedLanguages>()

  constructor(
    /** The knowledge base in each language, the base language first. */
    readonly knowledge: Map<string, KnowledgeBase>,
    private readonly packs: Map<string, LanguagePack>,
    private readonly timeZone: string,
    /** Languages recognised but not answered in (Japanese, Korean, Arabic): a person takes over. */
    private readonly replyOnly = new ReplyOnlyLanguages([]),
  ) {
    const base = this.knowledge.get(this.codes[0]!)!
    this.detector = new LanguageDetector(
      this.codes.map((code) => packs.get(code)!.spec),
      sharedLatinWords(base),
    )
    this.pipeline(base.language)
  }

  get codes(): string[] {
    return [...this.knowledge.keys()]
  }
  get base(): LanguageBrain {
    return this.language(this.codes[0])
  }
  get nlu(): NluPipeline {
    return this.base.nlu
  }
  get composer(): Composer {
    return this.base.composer
  }

  /**
   * A language's brain; an unknown or missing one falls back to the base language. Its NLU is
   * trained on first use, so wording a reply (an agent's canned text) never waits for training.
   */
  language(code: string | undefined): LanguageBrain {
    const kb = (code && this.knowledge.get(code)) || this.knowledge.get(this.codes[0]!)!
    let brain = this.brains.get(kb.language)
    if (!brain) {
      const pipeline = () => this.pipeline(kb.language)
      brain = {
        composer: new Composer(kb, this.timeZone),
        get nlu() {
          return pipeline()
        },
      }
      this.brains.set(kb.language, brain)
    }
    return brain
  }

  private pipeline(code: string): NluPipeline {
    let nlu = this.pipelines.get(code)
    if (!nlu) {
      const pack = this.packs.get(code)!
      nlu = new NluPipeline(this.knowledge.get(code)!, pack)
      this.pipelines.set(code, nlu)
    }
    return nlu
  }

  has(code: string): boolean {
    return this.knowledge.has(code)
  }

  /** The languages trained so far. */
  trained(): string[] {
    return [...this.pipelines.keys()]
  }

  /**
   * Trains languages not trained yet in steps, each in its own turn of the event loop so requests keep
   * flowing between them: the rule data, the dictionary, the training, then one analysis that compiles
   * the detectors' regular expressions (else the first patient's message would pay for it).
   */
  async warm(codes: string[] = this.codes): Promise<Map<string, NluPipeline>> {
    const turn = () => new Promise((resolve) => setImmediate(resolve))
    for (const code of codes.filter((c) => this.has(c))) {
      if (this.pipelines.has(code)) continue
      const pack = this.packs.get(code)!
      await turn()
      void pack.resources
      await turn()
      pack.dictionary?.()
      await turn()
      if (this.pipelines.has(code)) continue
      const nlu = this.pipeline(code)
      await turn()
      nlu.analyseUncached(this.knowledge.get(code)!.intents[0]?.examples[0] ?? '')
    }
    return this.pipelines
  }

  /** The languages of a message, kept for the texts seen last (patients repeat the same questions). */
  private detect(text: string): DetectedLanguages {
    let detected = this.detected.get(text)
    if (detected) return detected
    detected = this.detector.detect(text).filter((c) => this.has(c))
    this.detected.set(text, detected)
    if (this.detected.size > DETECTED_KEPT) this.detected.delete(this.detected.keys().next().value!)
    return detected
  }

  /**
   * Reads a message in the language it is written in. A mixed one ("CT在哪里 please") is read by each
   * of its languages and the reading that finds danger, else the surer one, wins: a Chinese symptom
   * in an English sentence must still be caught.
   */
  read(text: string, conversation?: string, hint?: string): Reading {
    const foreign = this.replyOnly.read(text)
    if (foreign) {
      // Worded by the base language's composer, which fills the facts (120, 急诊楼1楼) into the
      // foreign templates; the conversation is tagged with the foreign language for the agent.
      const { nlu } = this.base
      return { analysis: { ...nlu.analyse(text), foreign }, nlu, reply: this.base, lang: foreign.code }
    }
    const detected = this.detect(text)
    const lang = replyLanguage(
      detected,
      conversation && this.has(conversation) ? conversation : undefined,
      hint && this.has(hint) ? hint : undefined,
    )
    const readers = detected.length ? detected : [lang]
    let best: { analysis: Analysis; nlu: NluPipeline } | undefined
    for (const code of readers) {
      const nlu = this.language(code).nlu
      const analysis = nlu.analyse(text)
      if (!best || rank(analysis) > rank(best.analysis)) best = { analysis, nlu }
    }
    return { ...best!, reply: this.language(lang), lang: this.language(lang).composer.language }
  }
}

const rank = (a: Analysis) =>
  (a.safety ? 10 : 0) + (a.humanRequest || a.complaint || a.medical ? 5 : 0) + (a.ranked[0]?.confidence ?? 0)

/**
 * Latin words the base language uses too (CT, MRI, ICU, B超's "b", wifi, app): in a Chinese message
 * they are not a sign of English.
 */
function sharedLatinWords(kb: KnowledgeBase): Set<string> {
  const texts = [...kb.places.values()]
    .flatMap((p) => [p.name, ...p.aliases])
    .concat(
      [...kb.exams.values()].flatMap((e) => [e.name, ...e.aliases]),
      kb.groups.flatMap((g) => g.aliases),
      kb.intents.flatMap((i) => i.examples),
    )
  return new Set(texts.flatMap((t) => t.toLowerCase().match(/[a-z]+/g) ?? []))
}

export function createBrain(
  kb: KnowledgeBase,
  packs: Map<string, LanguagePack>,
  timeZone: string,
  replyOnly?: ReplyOnlyLanguages,
): BotBrain {
  const knowledge = new Map<string, KnowledgeBase>()
  for (const local of [kb, ...(kb.languages?.values() ?? [])]) {
    if (packs.has(local.language)) knowledge.set(local.language, local)
  }
  if (!knowledge.has(kb.language)) {
    throw new Error(`no language data for the knowledge base's language "${kb.language}" in intents/`)
  }
  return new BotBrain(knowledge, packs, timeZone, replyOnly)
}

/** What a brain would answer to one message in a new conversation (admins trying a draft). */
export function previewReply(
  brain: BotBrain,
  text: string,
  options: DecideOptions,
  now = new Date(),
  lang?: string,
) {
  const { analysis, nlu, reply, lang: replyLang } = brain.read(text, undefined, lang)
  const d = decide(analysis, { failures: 0 }, now, reply.composer, options, nlu.symptomOf(analysis))
  return {
    reply: d.reply,
    action: d.action,
    intent: d.intent ?? analysis.ranked[0]?.intent ?? null,
    confidence: Math.round(d.confidence * 1000) / 1000,
    handoff: d.handoff ? { reason: d.handoff.reason, priority: d.handoff.priority } : null,
    lang: replyLang,
  }
}
