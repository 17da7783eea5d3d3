/**
 * Intent classifier: each intent is the centroid of its examples' TF-IDF vectors (Rocchio), with every
 * feature weighted by inverse document frequency times inverse *intent* frequency, so a word that
 * occurs in one intent's examples counts far more than one spread over many. A message is scored
 * against each centroid through an inverted index; cost grows with the intents, not the examples.
 *
 * Why not natural's classifiers: measured here, LogisticRegressionClassifier trained for minutes on
 * 1,200 examples and BayesClassifier's cost grows with the vocabulary. On our held-out split this
 * trains in milliseconds and beat nearest-neighbour variants (88% vs 75-82% top-1).
 * Scores become a calibrated probability by Platt scaling fitted on held-out folds of the examples.
 */

export type Features = Map<string, number>

export interface LabelledFeatures { intent: string; features: Features }
export interface Ranked { intent: string; score: number; confidence: number }
export interface Calibration { w: [number, number]; b: number; foldAccuracy: number; samples: number }
/**
 * Each feature's (intent, weight) pairs in flat arrays: feature f's pairs are at start[f]…start[f+1].
 * Scoring a message walks these in order, instead of an array of pairs per feature.
 */
export interface Postings { start: number[]; intent: number[]; weight: number[] }

/** A trained classifier as plain data (kept on disk, so a restart need not train again). */
export interface ClassifierState {
  intents: string[]
  vocab: string[]
  weight: number[]
  postings: Postings
  examples: Array<Array<Array<[number, number]>>>
  calibration: Calibration
}

export class IntentClassifier {
  private readonly vocab = new Map<string, number>()
  private weight: Float64Array = new Float64Array(0)
  private postStart = new Int32Array(1)
  private postIntent = new Int32Array(0)
  private postWeight = new Float64Array(0)
  private examples: Array<Array<Array<[number, number]>>> = []
  private dense = new Float64Array(0)
  readonly intents: string[] = []
  calibration: Calibration = { w: [8, 6], b: -4, foldAccuracy: 0, samples: 0 }

  constructor(data: LabelledFeatures[], options: { calibrate?: boolean } = {}) {
    this.fit(data)
    if (options.calibrate !== false && data.length >= 20) this.calibration = calibrate(data)
  }

  static fromState(state: ClassifierState): IntentClassifier {
    const c = new IntentClassifier([], { calibrate: false })
    c.intents.push(...state.intents)
    state.vocab.forEach((f, i) => c.vocab.set(f, i))
    c.weight = Float64Array.from(state.weight)
    c.postStart = Int32Array.from(state.postings.start)
    c.postIntent = Int32Array.from(state.postings.intent)
    c.postWeight = Float64Array.from(state.postings.weight)
    c.examples = state.examples
    c.dense = new Float64Array(state.vocab.length)
    c.calibration = state.calibration
    return c
  }

  state(): ClassifierState {
    return { intents: this.intents, vocab: [...this.vocab.keys()], weight: [...this.weight], postings: { start: [...this.postStart], intent: [...this.postIntent], weight: [...this.postWeight] }, examples: this.examples, calibration: this.calibration }
  }

  private fit(data: LabelledFeatures[]): void {
    const intentIndex = new Map<string, number>()
    const df = new Map<string, number>()
    const inIntents = new Map<string, Set<number>>()
    for (const d of data) {
      if (!intentIndex.has(d.intent)) { intentIndex.set(d.intent, this.intents.length); this.intents.push(d.intent) }
      const intent = intentIndex.get(d.intent)!
      for (const f of d.features.keys()) {
        df.set(f, (df.get(f) ?? 0) + 1)
        let s = inIntents.get(f)
        if (!s) inIntents.set(f, (s = new Set()))
        s.add(intent)
      }
    }
    this.weight = new Float64Array(df.size)
    for (const [f, n] of df) {
      const idx = this.vocab.size
      this.vocab.set(f, idx)
      const idf = Math.log((data.length + 1) / (n + 1)) + 1
      const iif = Math.log((this.intents.length + 1) / (inIntents.get(f)!.size + 1)) + 1
      this.weight[idx] = idf * iif
    }
    const centroids = this.intents.map(() => new Map<number, number>())
    this.examples = this.intents.map(() => [])
    for (const d of data) {
      const intent = intentIndex.get(d.intent)!
      const v = this.vectorise(d.features)
      const c = centroids[intent]!
      for (const [f, w] of v) c.set(f, (c.get(f) ?? 0) + w)
      this.examples[intent]!.push(v)
    }
    this.dense = new Float64Array(this.vocab.size)
    const lists: Array<Array<[number, number]>> = Array.from({ length: this.vocab.size }, () => [])
    centroids.forEach((c, intent) => {
      const norm = Math.sqrt([...c.values()].reduce((s, w) => s + w * w, 0)) || 1
      for (const [f, w] of c) lists[f]!.push([intent, w / norm])
    })
    this.postStart = new Int32Array(lists.length + 1)
    lists.forEach((l, f) => { this.postStart[f + 1] = this.postStart[f]! + l.length })
    this.postIntent = new Int32Array(this.postStart[lists.length]!)
    this.postWeight = new Float64Array(this.postStart[lists.length]!)
    lists.forEach((l, f) => l.forEach(([intent, w], k) => { this.postIntent[this.postStart[f]! + k] = intent; this.postWeight[this.postStart[f]! + k] = w }))
  }

  private vectorise(features: Features): Array<[number, number]> {
    const v: Array<[number, number]> = []
    let norm = 0
    for (const [f, tf] of features) {
      const idx = this.vocab.get(f)
      if (idx === undefined) continue
      const w = tf * this.weight[idx]!
      v.push([idx, w]); norm += w * w
    }
    norm = Math.sqrt(norm) || 1
    for (const e of v) e[1] /= norm
    return v
  }

  /**
   * Cosine similarity to each intent's centroid, best first: the `top` best only, picked without
   * sorting every intent (at 50x the demo's intents that sort was most of a message's cost).
   */
  scores(features: Features, top = this.intents.length): Array<{ intent: string; score: number }> {
    const sims = new Float64Array(this.intents.length)
    for (const [f, w] of this.vectorise(features)) {
      for (let k = this.postStart[f]!, end = this.postStart[f + 1]!; k < end; k++) sims[this.postIntent[k]!]! += w * this.postWeight[k]!
    }
    const best: number[] = []
    for (let i = 0; i < sims.length; i++) {
      if (best.length === top && sims[i]! <= sims[best[top - 1]!]!) continue
      let at = Math.min(best.length, top - 1)
      if (best.length < top) best.push(i)
      // Insertion from the end; ties keep the earlier intent first, as a stable sort did.
      while (at > 0 && sims[best[at - 1]!]! < sims[i]!) { best[at] = best[at - 1]!; at-- }
      best[at] = i
    }
    return best.map((i) => ({ intent: this.intents[i]!, score: sims[i]! }))
  }

  classify(features: Features, top = 4): Ranked[] {
    const s = this.scores(features, Math.max(top, 2))
    return s.slice(0, top).map((r, i) => {
      const other = i === 0 ? (s[1]?.score ?? 0) : s[0]!.score
      return { ...r, confidence: this.confidence(r.score, r.score - other) }
    })
  }

  /**
   * Best cosine between the message and one intent's examples (a near-paraphrase scores high). Only
   * asked for when two intents are nearly tied, so it stays off the hot path.
   */
  nearest(features: Features, intent: string): number {
    const q = this.vectorise(features)
    for (const [f, w] of q) this.dense[f] = w
    let best = 0
    for (const ex of this.examples[this.intents.indexOf(intent)] ?? []) {
      let dot = 0
      for (const [f, w] of ex) dot += w * this.dense[f]!
      if (dot > best) best = dot
    }
    for (const [f] of q) this.dense[f] = 0
    return best
  }

  confidence(score: number, margin: number): number {
    const { w, b } = this.calibration
    return 1 / (1 + Math.exp(-(w[0] * score + w[1] * margin + b)))
  }
}

/** Platt scaling on 5 held-out folds: P(top intent is right | top score, margin to the second). */
function calibrate(data: LabelledFeatures[]): Calibration {
  const sample = data.length > 3000 ? data.filter((_, i) => i % Math.ceil(data.length / 3000) === 0) : data
  const folds = 5
  const points: Array<{ x: [number, number]; y: number }> = []
  for (let k = 0; k < folds; k++) {
    const clf = new IntentClassifier(sample.filter((_, i) => i % folds !== k), { calibrate: false })
    for (const t of sample.filter((_, i) => i % folds === k)) {
      const s = clf.scores(t.features, 2)
      if (!s[0]) continue
      points.push({ x: [s[0].score, s[0].score - (s[1]?.score ?? 0)], y: s[0].intent === t.intent ? 1 : 0 })
    }
  }
  // Logistic regression on two inputs by batch gradient descent: a few thousand points, converges fast.
  let w: [number, number] = [1, 1]
  let b = 0
  const rate = 2
  for (let iter = 0; iter < 1500; iter++) {
    let g0 = 0; let g1 = 0; let gb = 0
    for (const p of points) {
      const err = 1 / (1 + Math.exp(-(w[0] * p.x[0] + w[1] * p.x[1] + b))) - p.y
      g0 += err * p.x[0]; g1 += err * p.x[1]; gb += err
    }
    const n = points.length || 1
    w = [w[0] - (rate * g0) / n, w[1] - (rate * g1) / n]
    b -= (rate * gb) / n
  }
  return { w, b, foldAccuracy: points.filter((p) => p.y === 1).length / (points.length || 1), samples: points.length }
}
