import { createHash } from 'node:crypto'
import { predictSoftmax, trainSoftmax, type SoftmaxModel } from './softmax.js'

/** A message's character 1-3-grams in order, repeats included (naive Bayes counts them). */
export function charGrams(text: string): string[] {
  const chars = [...text.replace(/\s+/g, '')]
  const out: string[] = []
  for (let i = 0; i < chars.length; i++) {
    out.push(chars[i]!)
    if (i + 1 < chars.length) out.push(chars[i]! + chars[i + 1]!)
    if (i + 2 < chars.length) out.push(chars[i]! + chars[i + 1]! + chars[i + 2]!)
  }
  return out
}

/** Each n-gram once: what the logistic regression reads. */
const grams = (text: string) => [...new Set(charGrams(text))]

/** Trained models kept for reuse, one per distinct training data. */
const KEPT_MODELS = 8
const trained = new Map<string, CharGramModel<string>>()

/**
 * Multinomial logistic regression over character 1-3-grams, behind the emergency rules: it learns which
 * pieces of wording separate a present emergency from a look-alike. Characters need no segmentation, so
 * typos and dialect words still share most of their pieces. (Measured in place of the naive Bayes model
 * for complaints and distress, it handed off fewer of them: that model stays naive Bayes.)
 */
export class CharGramModel<L extends string> {
  private readonly labels: L[]
  private readonly vocabulary = new Map<string, number>()
  private readonly model: SoftmaxModel

  /**
   * The model for these examples, trained once per process (a second or two): another pipeline over the
   * same data (a publish, another app in a test run) reuses it.
   */
  static shared<L extends string>(examples: Array<{ text: string; label: L }>): CharGramModel<L> {
    const hash = createHash('sha256')
    for (const { text, label } of examples) hash.update(`${label}\t${text}\n`)
    const key = hash.digest('base64')
    let model = trained.get(key) as CharGramModel<L> | undefined
    if (!model) {
      model = new CharGramModel(examples)
      trained.set(key, model)
      if (trained.size > KEPT_MODELS) trained.delete(trained.keys().next().value!)
    }
    return model
  }

  constructor(examples: Array<{ text: string; label: L }>) {
    this.labels = [...new Set(examples.map((e) => e.label))]
    const start = [0]
    const index: number[] = []
    const value: number[] = []
    for (const { text } of examples) {
      const gs = grams(text)
      for (const g of gs) {
        let f = this.vocabulary.get(g)
        if (f === undefined) this.vocabulary.set(g, (f = this.vocabulary.size))
        index.push(f)
        value.push(1 / Math.sqrt(gs.length))
      }
      start.push(index.length)
    }
    this.model = trainSoftmax(
      { start: Int32Array.from(start), index: Int32Array.from(index), value: Float64Array.from(value) },
      Int32Array.from(examples, (e) => this.labels.indexOf(e.label)),
      this.labels.length,
      this.vocabulary.size,
      { balance: 0.5 },
    )
  }

  /** P(label | text) for every label, summing to 1. */
  probabilities(text: string): Map<L, number> {
    const known = grams(text)
      .map((g) => this.vocabulary.get(g))
      .filter((f): f is number => f !== undefined)
    const v = 1 / Math.sqrt(known.length || 1)
    const p = predictSoftmax(
      this.model,
      known.map((f) => [f, v] as const),
    )
    return new Map(this.labels.map((label, c) => [label, p[c]!]))
  }
}
