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

export interface LabelledFeatures {
  intent: string
  features: Features
}
export interface Ranked {
  intent: string
  score: number
  confidence: number
}
export interface Calibration {
  w: [number, number]
  b: number
  foldAccuracy: number
  samples: number
}
/**
 * Each feature's (intent, weight) pairs in flat arrays: feature f's pairs are at start[f]…start[f+1].
 * Scoring a message walks these in order, instead of an array of pairs per feature.
 */
export interface Postings {
  start: number[]
  intent: number[]
  weight: number[]
}

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
  private centroids: Centroids = {
    postStart: new Int32Array(1),
    postIntent: new Int32Array(0),
    postWeight: new Float64Array(0),
  }
  private examples: Array<Array<Array<[number, number]>>> = []
  private dense = new Float64Array(0)
  readonly intents: string[] = []
  calibration: Calibration = { w: [8, 6], b: -4, foldAccuracy: 0, samples: 0 }

  constructor(data: LabelledFeatures[], options: { calibrate?: boolean } = {}) {
    const numbered = numberData(data)
    this.fit(numbered)
    if (options.calibrate !== false && data.length >= 20) this.calibration = calibrate(numbered)
  }

  /** The classifier a state describes; throws if the state is not whole (a damaged file). */
  static fromState(state: ClassifierState): IntentClassifier {
    const { intents, vocab, weight, postings, examples, calibration } = state
    const whole =
      [intents, vocab, weight, postings?.start, postings?.intent, postings?.weight, examples].every(
        Array.isArray,
      ) &&
      weight.length === vocab.length &&
      postings.start.length === vocab.length + 1 &&
      examples.length === intents.length &&
      postings.intent.length === postings.weight.length &&
      Array.isArray(calibration?.w)
    if (!whole) throw new Error('classifier state is incomplete')
    const c = new IntentClassifier([], { calibrate: false })
    c.intents.push(...state.intents)
    state.vocab.forEach((f, i) => c.vocab.set(f, i))
    c.weight = Float64Array.from(state.weight)
    c.centroids = {
      postStart: Int32Array.from(postings.start),
      postIntent: Int32Array.from(postings.intent),
      postWeight: Float64Array.from(postings.weight),
    }
    c.examples = state.examples
    c.dense = new Float64Array(state.vocab.length)
    c.calibration = state.calibration
    return c
  }

  state(): ClassifierState {
    return {
      intents: this.intents,
      vocab: [...this.vocab.keys()],
      weight: [...this.weight],
      postings: {
        start: [...this.centroids.postStart],
        intent: [...this.centroids.postIntent],
        weight: [...this.centroids.postWeight],
      },
      examples: this.examples,
      calibration: this.calibration,
    }
  }

  /** All the examples' model: numbered in data order, so its numbers are this classifier's own. */
  private fit(numbered: Numbered): void {
    const model = buildModel(
      numbered,
      Array.from(numbered.labels, (_, e) => e),
    )
    this.intents.push(...numbered.intents)
    for (const [f, id] of numbered.vocab) this.vocab.set(f, id)
    this.weight = model.weight
    this.centroids = model
    this.examples = model.examples
    this.dense = new Float64Array(this.vocab.size)
  }

  private vectorise(features: Features): Array<[number, number]> {
    const v: Array<[number, number]> = []
    let norm = 0
    for (const [f, tf] of features) {
      const idx = this.vocab.get(f)
      if (idx === undefined) continue
      const w = tf * this.weight[idx]!
      v.push([idx, w])
      norm += w * w
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
    const sims = similarities(this.centroids, this.intents.length, this.vectorise(features))
    const best: number[] = []
    for (let i = 0; i < sims.length; i++) {
      if (best.length === top && sims[i]! <= sims[best[top - 1]!]!) continue
      let at = Math.min(best.length, top - 1)
      if (best.length < top) best.push(i)
      // Insertion from the end; ties keep the earlier intent first, as a stable sort did.
      while (at > 0 && sims[best[at - 1]!]! < sims[i]!) {
        best[at] = best[at - 1]!
        at--
      }
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
function calibrate(numbered: Numbered): Calibration {
  const all = numbered.labels.length
  const rows = Array.from({ length: all }, (_, e) => e)
  const sample = all > 3000 ? rows.filter((_, i) => i % Math.ceil(all / 3000) === 0) : rows
  const folds = 5
  const points: Array<{ x: [number, number]; y: number }> = []
  for (let k = 0; k < folds; k++) {
    const model = buildModel(
      numbered,
      sample.filter((_, i) => i % folds !== k),
    )
    for (const t of sample.filter((_, i) => i % folds === k)) {
      const s = topTwo(model, numbered.ids[t]!, numbered.tfs[t]!)
      if (!s) continue
      points.push({
        x: [s.first, s.first - s.second],
        y: model.intents[s.intent] === numbered.labels[t] ? 1 : 0,
      })
    }
  }
  // Logistic regression on two inputs by batch gradient descent: a few thousand points, 1,500 steps
  // (stopping there keeps the weights moderate; the exact optimum overfits the margin). The points
  // sit in typed arrays: the same sums in the same order, in a third of the time.
  const n = points.length || 1
  const x0 = Float64Array.from(points, (p) => p.x[0])
  const x1 = Float64Array.from(points, (p) => p.x[1])
  const y = Float64Array.from(points, (p) => p.y)
  let w0 = 1
  let w1 = 1
  let b = 0
  const rate = 2
  for (let iter = 0; iter < 1500; iter++) {
    let g0 = 0
    let g1 = 0
    let gb = 0
    for (let i = 0; i < points.length; i++) {
      const err = 1 / (1 + Math.exp(-(w0 * x0[i]! + w1 * x1[i]! + b))) - y[i]!
      g0 += err * x0[i]!
      g1 += err * x1[i]!
      gb += err
    }
    w0 -= (rate * g0) / n
    w1 -= (rate * g1) / n
    b -= (rate * gb) / n
  }
  const w: [number, number] = [w0, w1]
  return {
    w,
    b,
    foldAccuracy: points.filter((p) => p.y === 1).length / (points.length || 1),
    samples: points.length,
  }
}

/** Labelled examples with every feature and intent numbered in order of first appearance. */
interface Numbered {
  vocab: Map<string, number>
  intents: string[]
  labels: Int32Array
  ids: Int32Array[]
  tfs: Float64Array[]
}

/**
 * Features and intents are numbered once, and every fit (the classifier's and calibration's five
 * folds) works on numbers and typed arrays: start-up waits for these fits, mostly before the JIT has
 * warmed up, when each Map operation on a feature string is dear. The sums run in the order they did
 * over Maps, so the classifier and its calibration are identical to the last bit.
 */
function numberData(data: LabelledFeatures[]): Numbered {
  const vocab = new Map<string, number>()
  const intentIndex = new Map<string, number>()
  const intents: string[] = []
  const labels = new Int32Array(data.length)
  const ids: Int32Array[] = []
  const tfs: Float64Array[] = []
  data.forEach((d, e) => {
    let intent = intentIndex.get(d.intent)
    if (intent === undefined) {
      intent = intents.length
      intentIndex.set(d.intent, intent)
      intents.push(d.intent)
    }
    labels[e] = intent
    const own = new Int32Array(d.features.size)
    const tf = new Float64Array(d.features.size)
    let k = 0
    for (const [f, n] of d.features) {
      let id = vocab.get(f)
      if (id === undefined) {
        id = vocab.size
        vocab.set(f, id)
      }
      own[k] = id
      tf[k++] = n
    }
    ids.push(own)
    tfs.push(tf)
  })
  return { vocab, intents, labels, ids, tfs }
}

/**
 * A model fitted on some rows: its own intents and features (numbered in order of first appearance
 * among those rows, as a classifier trained on just them would), mapped from the global numbers.
 */
interface Model extends Centroids {
  /** Global intent number of each of the model's intents. */
  intents: number[]
  /** The model's number of each global feature, -1 when its rows never have it. */
  local: Int32Array
  weight: Float64Array
  examples: Array<Array<Array<[number, number]>>>
}

/** Each intent's normalised centroid, as postings by feature (see Postings). */
interface Centroids {
  postStart: Int32Array
  postIntent: Int32Array
  postWeight: Float64Array
}

/** Cosine of a normalised vector to each of `intents` centroids. */
function similarities(c: Centroids, intents: number, vector: Array<[number, number]>): Float64Array {
  const sims = new Float64Array(intents)
  for (const [f, w] of vector) {
    for (let k = c.postStart[f]!, end = c.postStart[f + 1]!; k < end; k++) {
      sims[c.postIntent[k]!]! += w * c.postWeight[k]!
    }
  }
  return sims
}

function buildModel(n: Numbered, rows: number[]): Model {
  const localIntent = new Int32Array(n.intents.length).fill(-1)
  const intents: number[] = []
  const local = new Int32Array(n.vocab.size).fill(-1)
  const df: number[] = []
  for (const e of rows) {
    if (localIntent[n.labels[e]!] === -1) {
      localIntent[n.labels[e]!] = intents.length
      intents.push(n.labels[e]!)
    }
    for (const g of n.ids[e]!) {
      if (local[g] === -1) {
        local[g] = df.length
        df.push(0)
      }
      df[local[g]!]!++
    }
  }
  const size = df.length
  // Examples by intent, in row order within each: each intent's centroid is summed in one go.
  const byIntent: number[][] = intents.map(() => [])
  for (const e of rows) byIntent[localIntent[n.labels[e]!]!]!.push(e)
  const inIntents = new Int32Array(size)
  const seen = new Int32Array(size).fill(-1)
  byIntent.forEach((examples, intent) => {
    for (const e of examples) {
      for (const g of n.ids[e]!) {
        const f = local[g]!
        if (seen[f] !== intent) {
          seen[f] = intent
          inIntents[f]!++
        }
      }
    }
  })
  const weight = new Float64Array(size)
  for (let f = 0; f < size; f++) {
    const idf = Math.log((rows.length + 1) / (df[f]! + 1)) + 1
    const iif = Math.log((intents.length + 1) / (inIntents[f]! + 1)) + 1
    weight[f] = idf * iif
  }
  const vectors = new Map<number, Array<[number, number]>>()
  const examples: Model['examples'] = intents.map(() => [])
  for (const e of rows) {
    const v = vectorOf(local, weight, n.ids[e]!, n.tfs[e]!)
    vectors.set(e, v)
    examples[localIntent[n.labels[e]!]!]!.push(v)
  }
  // Centroids, normalised, into postings by feature (intents ascending within a feature).
  const sum = new Float64Array(size)
  const lists: Array<Array<[number, number]>> = Array.from({ length: size }, () => [])
  byIntent.forEach((rowsOfIntent, intent) => {
    const touched: number[] = []
    for (const e of rowsOfIntent) {
      for (const [f, w] of vectors.get(e)!) {
        if (seen[f] !== -2 - intent) {
          seen[f] = -2 - intent
          touched.push(f)
          sum[f] = w
        } else sum[f]! += w
      }
    }
    const norm = Math.sqrt(touched.reduce((acc, f) => acc + sum[f]! * sum[f]!, 0)) || 1
    for (const f of touched) lists[f]!.push([intent, sum[f]! / norm])
  })
  const postStart = new Int32Array(size + 1)
  lists.forEach((l, f) => {
    postStart[f + 1] = postStart[f]! + l.length
  })
  const postIntent = new Int32Array(postStart[size]!)
  const postWeight = new Float64Array(postStart[size]!)
  lists.forEach((l, f) =>
    l.forEach(([intent, w], k) => {
      postIntent[postStart[f]! + k] = intent
      postWeight[postStart[f]! + k] = w
    }),
  )
  return { intents, local, weight, postStart, postIntent, postWeight, examples }
}

/** An example's TF-IDF vector in a model's numbers, normalised; features the model lacks are left out. */
function vectorOf(
  local: Int32Array,
  weight: Float64Array,
  ids: Int32Array,
  tf: Float64Array,
): Array<[number, number]> {
  const v: Array<[number, number]> = []
  let norm = 0
  for (let k = 0; k < ids.length; k++) {
    const f = local[ids[k]!]!
    if (f < 0) continue
    const w = tf[k]! * weight[f]!
    v.push([f, w])
    norm += w * w
  }
  norm = Math.sqrt(norm) || 1
  for (const e of v) e[1] /= norm
  return v
}

/** The best two cosines of a numbered example against a model (as `scores(features, 2)` ranks). */
function topTwo(
  m: Model,
  ids: Int32Array,
  tf: Float64Array,
): { intent: number; first: number; second: number } | undefined {
  if (!m.intents.length) return undefined
  const sims = similarities(m, m.intents.length, vectorOf(m.local, m.weight, ids, tf))
  let best = 0
  let second = -1
  for (let i = 1; i < sims.length; i++) {
    if (sims[i]! > sims[best]!) {
      second = best
      best = i
    } else if (second < 0 || sims[i]! > sims[second]!) second = i
  }
  return { intent: best, first: sims[best]!, second: second < 0 ? 0 : sims[second]! }
}
