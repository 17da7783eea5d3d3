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
  total: number
  perIntent: IntentScore[]
  confusions: Array<{ expected: string; predicted: string; count: number; examples: string[] }>
}

/**
 * Like `rasa test nlu`: every `fold`-th example of each intent is held out, the classifier is trained
 * on the rest, and the held-out examples are classified (classifier only, detectors off).
 */
export function evaluateNlu(kb: KnowledgeBase, pack: LanguagePack, fold = 5): NluReport {
  const heldOut: Array<{ intent: string; text: string }> = []
  const train = kb.intents.map((intent) => ({
    ...intent,
    examples: intent.examples.filter((ex, i) =>
      i % fold === fold - 1 ? (heldOut.push({ intent: intent.id, text: ex }), false) : true,
    ),
  }))
  const nlu = new NluPipeline({ ...kb, intents: train }, pack)
  const predicted = heldOut.map((h) => ({ ...h, got: nlu.analyse(h.text).ranked[0]?.intent ?? 'none' }))
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
    total: predicted.length,
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
    `NLU held-out split: accuracy ${(100 * r.accuracy).toFixed(1)}% over ${r.total} examples`,
    ...rows,
    'Most frequent confusions:',
    ...conf,
  ].join('\n')
}
