import { charGrams } from './char-gram-model.js'
import type { ComplaintCategory, ComplaintFinding } from './detectors/routing.js'

/**
 * Complaints said calmly and distress said without angry words: a multinomial naive Bayes model over
 * character 1-3-grams, learned from examples the team writes (intents/<code>/detectors/grievances.yaml)
 * against the FAQ's own examples. The complaint rules catch keywords ("投诉", "太差"); this catches
 * what happened ("缴费时被扣了两次钱", "报告超了三天还没出"). Trains in milliseconds at start-up.
 */
export interface GrievanceExamples {
  complaints: Array<{ text: string; category: string; level: number }>
  distress: Array<{ text: string }>
  /** Questions that share words with complaints but only ask for information. */
  notComplaints: string[]
}

/** A complaint, told like the rules' own findings, or distress with P(distress | text). */
export type GrievanceFinding = { complaint: ComplaintFinding } | { distress: number }

/** The hospital's complaint categories as the examples name them. */
const CATEGORIES: Record<string, ComplaintCategory> = {
  服务态度: 'service_attitude',
  流程效率: 'process_waiting',
  费用: 'billing',
  医疗技术: 'medical_quality',
}

/** How sure the model must be before a message goes to a person as a complaint or distress. */
export const GRIEVANCE_THRESHOLD = 0.97

/** Fewer different Chinese characters than this is too little to judge. */
const MIN_DISTINCT_HAN = 5
const enoughToJudge = (text: string) => new Set(text.match(/\p{Script=Han}/gu) ?? []).size >= MIN_DISTINCT_HAN

/** How sure the category model must be to name a category the rules left as "other". */
const CATEGORY_SURE = 0.99

/** The hospital's level for a category when nothing says otherwise (late reports are 流程 at level 2). */
const CATEGORY_LEVEL: Record<ComplaintCategory, 1 | 2 | 3> = {
  service_attitude: 1,
  process_waiting: 1,
  billing: 2,
  medical_quality: 3,
}

/**
 * Multinomial naive Bayes with add-α smoothing over a shared vocabulary. Each n-gram keeps one row of
 * log-likelihoods, a column per label, so scoring a message is one lookup per n-gram.
 */
export class NaiveBayes<L extends string> {
  private readonly labels: L[] = []
  private readonly logPrior: Float64Array
  private readonly unseen: Float64Array
  private readonly rows = new Map<string, Float64Array>()

  constructor(examples: Array<{ text: string; label: L }>, alpha = 0.5) {
    const counts = new Map<string, number[]>()
    const totals: number[] = []
    const docs: number[] = []
    for (const { text, label } of examples) {
      let l = this.labels.indexOf(label)
      if (l < 0) l = this.labels.push(label) - 1
      docs[l] = (docs[l] ?? 0) + 1
      for (const g of charGrams(text)) {
        const row = counts.get(g) ?? []
        row[l] = (row[l] ?? 0) + 1
        counts.set(g, row)
        totals[l] = (totals[l] ?? 0) + 1
      }
    }
    const n = this.labels.length
    const denominator = this.labels.map((_, l) => Math.log((totals[l] ?? 0) + alpha * counts.size))
    this.logPrior = Float64Array.from(this.labels, (_, l) => Math.log(docs[l]! / examples.length))
    this.unseen = Float64Array.from(denominator, (d) => Math.log(alpha) - d)
    for (const [g, row] of counts) {
      const ll = new Float64Array(n)
      for (let l = 0; l < n; l++) ll[l] = Math.log((row[l] ?? 0) + alpha) - denominator[l]!
      this.rows.set(g, ll)
    }
  }

  /** P(label | text) for every label, summing to 1. */
  probabilities(text: string): Map<L, number> {
    const n = this.labels.length
    const scores = Float64Array.from(this.logPrior)
    for (const g of charGrams(text)) {
      const row = this.rows.get(g) ?? this.unseen
      for (let l = 0; l < n; l++) scores[l]! += row[l]!
    }
    const max = Math.max(...scores)
    let sum = 0
    for (let l = 0; l < n; l++) sum += scores[l] = Math.exp(scores[l]! - max)
    return new Map(this.labels.map((label, l) => [label, scores[l]! / sum]))
  }

  best(text: string): { label: L; probability: number } {
    let best: { label: L; probability: number } | undefined
    for (const [label, probability] of this.probabilities(text)) {
      if (!best || probability > best.probability) best = { label, probability }
    }
    return best!
  }
}

type Kind = 'complaint' | 'distress' | 'none'

export class GrievanceModel {
  private readonly kind: NaiveBayes<Kind>
  private readonly category: NaiveBayes<ComplaintCategory>
  private readonly level: NaiveBayes<'1' | '2' | '3'>

  /** `questions`: the FAQ intents' examples, what a patient asks when nothing is wrong. */
  constructor(examples: GrievanceExamples, questions: string[]) {
    const complaints = examples.complaints.filter(
      (c) => CATEGORIES[c.category] && c.level >= 1 && c.level <= 3,
    )
    this.kind = new NaiveBayes<Kind>([
      ...complaints.map((c) => ({ text: c.text, label: 'complaint' as const })),
      ...examples.distress.map((d) => ({ text: d.text, label: 'distress' as const })),
      ...[...examples.notComplaints, ...questions].map((text) => ({ text, label: 'none' as const })),
    ])
    this.category = new NaiveBayes(complaints.map((c) => ({ text: c.text, label: CATEGORIES[c.category]! })))
    this.level = new NaiveBayes(
      complaints.map((c) => ({ text: c.text, label: String(c.level) as '1' | '2' | '3' })),
    )
  }

  detect(text: string, threshold = GRIEVANCE_THRESHOLD): GrievanceFinding | undefined {
    // Too little to judge: "啊啊啊啊", "asdf", "？？？" are noise to clarify, not distress.
    if (!enoughToJudge(text)) return undefined
    const { label, probability } = this.kind.best(text)
    if (label === 'none' || probability < threshold) return undefined
    if (label === 'distress') return { distress: probability }
    const category = this.category.best(text).label
    return { complaint: { category, level: this.levelOf(text), evidence: `model ${probability.toFixed(2)}` } }
  }

  /**
   * A complaint the rules caught, with its category and level made right: the rules' own category when
   * they name one (their words are specific: 误诊, 多收费), else the model's when it is sure; the
   * model's level when it agrees on the category, else the hospital's level for that category. "我要投诉"
   * alone stays as it is. Measured by 5-fold cross-validation of the examples: the model's level is
   * right for 92.2% and its category for 90.3%, the keyword rules' for 71.8% and 82.1% of those they catch.
   */
  refine(text: string, ruled: ComplaintFinding): ComplaintFinding {
    if (!enoughToJudge(text)) return ruled
    const learned = this.category.best(text)
    const category =
      ruled.category === 'other' && learned.probability >= CATEGORY_SURE ? learned.label : ruled.category
    const level =
      category === 'other'
        ? ruled.level
        : learned.label === category
          ? this.levelOf(text)
          : CATEGORY_LEVEL[category]
    // A severity word (律师, 报警) is a floor: the model learnt what happened, not who was called.
    return { ...ruled, category, level: Math.max(level, ruled.keywordLevel ?? 1) as 1 | 2 | 3 }
  }

  private levelOf(text: string): 1 | 2 | 3 {
    return Number(this.level.best(text).label) as 1 | 2 | 3
  }
}
