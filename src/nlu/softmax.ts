/**
 * Multinomial logistic regression (softmax) on sparse rows, trained by stochastic gradient descent with
 * AdaGrad step sizes and L2 regularisation. Small and deterministic (a seeded shuffle): the same rows
 * always give the same weights, so a stored training equals a fresh one.
 *
 * Why our own and not a library: natural's LogisticRegressionClassifier took minutes on the demo's
 * examples (it is binary one-vs-rest over dense vectors); the fastText ports need a native or wasm
 * build and a file format of their own. This is ~100 lines over typed arrays and trains the demo's
 * ~3,000 examples in about a second.
 */

/** Rows of a sparse matrix: row r's (index, value) pairs are at start[r]…start[r+1]. */
export interface SparseRows {
  start: Int32Array
  index: Int32Array
  value: Float64Array
}

export interface SoftmaxOptions {
  epochs: number
  rate: number
  l2: number
  /**
   * Each row's loss is weighted by (mean class size / its class's size) ^ balance: 0 treats all rows
   * alike, 1 makes every class weigh the same. In between, a class with 50x the examples (out of
   * scope) still counts more, but no longer drowns the small ones.
   */
  balance: number
  seed: number
}

export const SOFTMAX_DEFAULTS: SoftmaxOptions = { epochs: 10, rate: 0.5, l2: 1e-4, balance: 0.4, seed: 7 }

/** Weights by feature then class: feature f's weight for class c is weights[f * classes + c]. */
export interface SoftmaxModel {
  classes: number
  features: number
  weights: Float64Array
  bias: Float64Array
}

/** A class's gradient below this is skipped: once trained, most classes' probabilities are ~0. */
const NEGLIGIBLE = 1e-5

export function trainSoftmax(
  rows: SparseRows,
  labels: Int32Array,
  classes: number,
  features: number,
  options: Partial<SoftmaxOptions> = {},
): SoftmaxModel {
  const { epochs, rate, l2, balance, seed } = { ...SOFTMAX_DEFAULTS, ...options }
  const weights = new Float64Array(features * classes)
  const bias = new Float64Array(classes)
  const squares = new Float64Array(features).fill(1e-8)
  const biasSquares = new Float64Array(classes).fill(1e-8)
  const size = new Float64Array(classes)
  for (const l of labels) size[l]!++
  const present = size.filter((n) => n > 0).length || 1
  const rowWeight = Array.from(size, (n) => (n ? Math.pow(labels.length / present / n, balance) : 0))
  const order = Int32Array.from(labels, (_, i) => i)
  const p = new Float64Array(classes)
  const grad = new Float64Array(classes)
  const which = new Int32Array(classes)
  let state = seed
  const random = () => (state = (state * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1))
      const t = order[i]!
      order[i] = order[j]!
      order[j] = t
    }
    for (const r of order) {
      const from = rows.start[r]!
      const to = rows.start[r + 1]!
      logits(rows, r, weights, bias, classes, p)
      softmaxInPlace(p)
      const w = rowWeight[labels[r]!]!
      let active = 0
      for (let c = 0; c < classes; c++) {
        const g = w * (p[c]! - (c === labels[r] ? 1 : 0))
        if (Math.abs(g) < NEGLIGIBLE) continue
        grad[active] = g
        which[active++] = c
        biasSquares[c]! += g * g
        bias[c]! -= (rate * g) / Math.sqrt(biasSquares[c]!)
      }
      // Feature by feature, its classes side by side in memory. AdaGrad keeps one sum of squared
      // gradients per feature, not per weight: one square root per feature instead of one per class.
      let norm = 0
      for (let a = 0; a < active; a++) norm += grad[a]! * grad[a]!
      if (!active) continue
      for (let k = from; k < to; k++) {
        const f = rows.index[k]!
        const base = f * classes
        const v = rows.value[k]!
        squares[f]! += norm * v * v
        const step = rate / Math.sqrt(squares[f]!)
        for (let a = 0; a < active; a++) {
          const at = base + which[a]!
          weights[at]! -= step * (grad[a]! * v + l2 * weights[at]!)
        }
      }
    }
  }
  return { classes, features, weights, bias }
}

/** Row r's score for each class, into `out`. */
function logits(
  rows: SparseRows,
  r: number,
  weights: Float64Array,
  bias: Float64Array,
  classes: number,
  out: Float64Array,
): void {
  out.set(bias)
  for (let k = rows.start[r]!, to = rows.start[r + 1]!; k < to; k++) {
    const base = rows.index[k]! * classes
    const v = rows.value[k]!
    for (let c = 0; c < classes; c++) out[c]! += weights[base + c]! * v
  }
}

export function softmaxInPlace(scores: Float64Array): void {
  let max = -Infinity
  for (const s of scores) if (s > max) max = s
  let sum = 0
  for (let c = 0; c < scores.length; c++) sum += scores[c] = Math.exp(scores[c]! - max)
  for (let c = 0; c < scores.length; c++) scores[c]! /= sum
}

/** Class probabilities of one sparse vector (feature index, value). */
export function predictSoftmax(
  model: SoftmaxModel,
  vector: ReadonlyArray<readonly [number, number]>,
): Float64Array {
  const { classes, weights } = model
  const out = Float64Array.from(model.bias)
  for (const [f, v] of vector) {
    const base = f * classes
    for (let c = 0; c < classes; c++) out[c]! += weights[base + c]! * v
  }
  softmaxInPlace(out)
  return out
}
