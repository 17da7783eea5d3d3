import type { KnowledgeBase } from '../knowledge-base/types.js'
import { NluPipeline } from '../nlu/pipeline.js'
import type { LanguagePack } from '../nlu/resources.js'

export interface IntentScore {
  intent: string
  precision: number
  recall: number
  f1: number
  support: number
}
export interface NluReport {
  accuracy: number
  /** Accuracy of each fold that was scored. */
  foldAccuracy: number[]
  total: number
  /** expected intent → predicted intent → count, over every scored fold. */
  matrix: Record<string, Record<string, number>>
  perIntent: IntentScore[]
  confusions: Array<{ expected: string; predicted: string; count: number; examples: string[] }>
}

/**
 * Stratified k-fold cross-validation, like `rasa test nlu --cross-validation`: each intent's examples
 * are dealt round-robin into `folds` folds; for each scored fold the classifier is trained on the other
 * folds and classifies the held-out one (classifier only, detectors off). `rounds` scores only the last
 * folds (1: one quick split, as the admin's draft check uses).
 */
export function evaluateNlu(
  kb: KnowledgeBase,
  pack: LanguagePack,
  { folds = 5, rounds = folds }: { folds?: number; rounds?: number } = {},
): NluReport {
  const predicted: Array<{ intent: string; text: string; got: string }> = []
  const foldAccuracy: number[] = []
  for (let fold = folds - rounds; fold < folds; fold++) {
    const heldOut: Array<{ intent: string; text: string }> = []
    const train = kb.intents.map((intent) => ({
      ...intent,
      examples: intent.examples.filter((ex, i) =>
        i % folds === fold ? (heldOut.push({ intent: intent.id, text: ex }), false) : true,
      ),
    }))
    const nlu = new NluPipeline({ ...kb, intents: train }, pack)
    const got = heldOut.map((h) => ({ ...h, got: nlu.analyse(h.text).ranked[0]?.intent ?? 'none' }))
    foldAccuracy.push(got.filter((p) => p.got === p.intent).length / (got.length || 1))
    predicted.push(...got)
  }
  const matrix: Record<string, Record<string, number>> = {}
  for (const p of predicted) {
    const row = (matrix[p.intent] ??= {})
    row[p.got] = (row[p.got] ?? 0) + 1
  }
  const intents = kb.intents.map((i) => i.id)
  const perIntent = intents.map((intent) => {
    const tp = predicted.filter((p) => p.intent === intent && p.got === intent).length
    const fp = predicted.filter((p) => p.intent !== intent && p.got === intent).length
    const support = predicted.filter((p) => p.intent === intent).length
    const precision = tp + fp ? tp / (tp + fp) : 0
    const recall = support ? tp / support : 0
    return {
      intent,
      precision,
      recall,
      f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0,
      support,
    }
  })
  const pairs = new Map<string, { expected: string; predicted: string; count: number; examples: string[] }>()
  for (const p of predicted.filter((x) => x.got !== x.intent)) {
    const key = `${p.intent}→${p.got}`
    const e = pairs.get(key) ?? { expected: p.intent, predicted: p.got, count: 0, examples: [] }
    e.count++
    if (e.examples.length < 3) e.examples.push(p.text)
    pairs.set(key, e)
  }
  return {
    accuracy: predicted.filter((p) => p.got === p.intent).length / (predicted.length || 1),
    foldAccuracy,
    total: predicted.length,
    matrix,
    perIntent,
    confusions: [...pairs.values()].sort((a, b) => b.count - a.count),
  }
}

export function formatNluReport(r: NluReport): string {
  const rows = r.perIntent.map(
    (s) =>
      `${s.intent.padEnd(24)} P ${s.precision.toFixed(2)}  R ${s.recall.toFixed(2)}  ` +
      `F1 ${s.f1.toFixed(2)}  n=${s.support}`,
  )
  const conf = r.confusions
    .slice(0, 12)
    .map((c) => `  ${c.expected} → ${c.predicted} ×${c.count}  e.g. ${c.examples.join(' | ')}`)
  return [
    r.foldAccuracy.length > 1
      ? `NLU ${r.foldAccuracy.length}-fold stratified cross-validation: accuracy ${(100 * r.accuracy).toFixed(1)}% ` +
        `over ${r.total} examples (folds ${r.foldAccuracy.map((a) => (100 * a).toFixed(1)).join(' / ')})`
      : `NLU held-out split: accuracy ${(100 * r.accuracy).toFixed(1)}% over ${r.total} examples`,
    ...rows,
    'Most frequent confusions (the whole confusion matrix is in --json):',
    ...conf,
  ].join('\n')
}
