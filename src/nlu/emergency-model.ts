import { createHash } from 'node:crypto'
import type { SafetyFinding } from './detectors/safety.js'
import { predictSoftmax, trainSoftmax, type SoftmaxModel } from './softmax.js'

/**
 * intents/<code>/detectors/emergency_examples.yaml: present emergencies by presentation, and messages
 * that only look like one, by kind (history, negation, hypothetical…). Written from triage references,
 * separately from the rules, so that the model learns the ways of saying it that the rules do not list.
 */
export interface EmergencyExamples {
  emergencies: Record<string, string[]>
  look_alikes: Record<string, string[]>
}

/** How sure the model must be that a message the rules passed is a present emergency. */
export const RESCUE_THRESHOLD = 0.8

/** Fewer different Chinese characters than this is too little to judge ("胸痛" alone is the rules' job). */
const MIN_DISTINCT_HAN = 4

const NONE = 'none'

/** Trained models kept for reuse, one per distinct training data. */
const KEPT_MODELS = 4

/** A message's character 1-3-grams, each counted once: what the model reads. */
function grams(text: string): string[] {
  const chars = [...text.replace(/\s+/g, '')]
  const out = new Set<string>()
  for (let i = 0; i < chars.length; i++) {
    out.add(chars[i]!)
    if (i + 1 < chars.length) out.add(chars[i]! + chars[i + 1]!)
    if (i + 2 < chars.length) out.add(chars[i]! + chars[i + 1]! + chars[i + 2]!)
  }
  return [...out]
}

/**
 * The rules' backstop: multinomial logistic regression over character 1-3-grams that reads a message
 * the emergency rules passed and raises it when it is sure it is a present emergency. It never clears
 * what the rules raised: a false alarm costs a nurse a minute, a miss can cost a life. Negatives are
 * the look-alikes and every question the bot answers (the intents' and the out-of-scope examples).
 */
export class EmergencyModel {
  private readonly labels: string[]
  private readonly vocabulary = new Map<string, number>()
  private readonly model: SoftmaxModel
  private readonly none: number

  private static readonly trained = new Map<string, EmergencyModel>()

  /**
   * The model for these examples and questions, trained once per process (about 2 s): publishing new
   * facts, or another app in the same process, builds a pipeline from the same data and reuses it.
   */
  static shared(examples: EmergencyExamples, questions: string[]): EmergencyModel {
    const key = createHash('sha256')
      .update(JSON.stringify(examples))
      .update(questions.join('\n'))
      .digest('base64')
    let model = EmergencyModel.trained.get(key)
    if (!model) {
      model = new EmergencyModel(examples, questions)
      EmergencyModel.trained.set(key, model)
      // A few versions at most (a draft beside the live one): drop the oldest.
      if (EmergencyModel.trained.size > KEPT_MODELS) {
        EmergencyModel.trained.delete(EmergencyModel.trained.keys().next().value!)
      }
    }
    return model
  }

  constructor(examples: EmergencyExamples, questions: string[]) {
    const rows = [
      ...Object.entries(examples.emergencies).flatMap(([presentation, texts]) =>
        texts.map((text) => ({ text, label: presentation })),
      ),
      ...[...Object.values(examples.look_alikes).flat(), ...questions].map((text) => ({ text, label: NONE })),
    ]
    this.labels = [...new Set(rows.map((r) => r.label))]
    this.none = this.labels.indexOf(NONE)
    const start = [0]
    const index: number[] = []
    const value: number[] = []
    for (const { text } of rows) {
      const gs = grams(text)
      for (const g of gs) {
        let f = this.vocabulary.get(g)
        if (f === undefined) this.vocabulary.set(g, (f = this.vocabulary.size))
        index.push(f)
        value.push(1 / Math.sqrt(gs.length))
      }
      start.push(index.length)
    }
    const labels = Int32Array.from(rows, (r) => this.labels.indexOf(r.label))
    this.model = trainSoftmax(
      { start: Int32Array.from(start), index: Int32Array.from(index), value: Float64Array.from(value) },
      labels,
      this.labels.length,
      this.vocabulary.size,
      { balance: 0.5 },
    )
  }

  private scores(text: string): Float64Array {
    const known = grams(text)
      .map((g) => this.vocabulary.get(g))
      .filter((f): f is number => f !== undefined)
    const v = 1 / Math.sqrt(known.length || 1)
    return predictSoftmax(
      this.model,
      known.map((f) => [f, v] as const),
    )
  }

  /** P(present emergency | text): one minus the probability of "none". */
  probability(text: string): number {
    return 1 - this.scores(text)[this.none]!
  }

  detect(text: string, threshold = RESCUE_THRESHOLD): SafetyFinding | undefined {
    if (new Set(text.match(/\p{Script=Han}/gu) ?? []).size < MIN_DISTINCT_HAN) return undefined
    const scores = this.scores(text)
    const p = 1 - scores[this.none]!
    if (p < threshold) return undefined
    let best = this.none === 0 ? 1 : 0
    for (let c = 0; c < scores.length; c++) if (c !== this.none && scores[c]! > scores[best]!) best = c
    const category = this.labels[best]!
    return {
      kind: category === 'self_harm' ? 'self_harm' : 'emergency',
      category,
      evidence: `model ${p.toFixed(3)}`,
    }
  }
}
