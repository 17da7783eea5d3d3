import { describe, expect, it } from 'vitest'
import { IntentClassifier } from '../../src/nlu/classifier.js'
import { evaluateNlu } from '../../src/eval/nlu-report.js'
import { loadKnowledgeBase } from '../../src/knowledge-base/load.js'
import { demoPipeline, intentsDir, knowledgeDir, languagePack } from '../nlu-fixture.js'

const f = (...words: string[]) => new Map(words.map((w) => [w, 1]))

describe('intent classifier', () => {
  it('ranks the intent whose examples share the distinctive words', () => {
    const clf = new IntentClassifier(
      [
        { intent: 'parking', features: f('停车', '收费') },
        { intent: 'parking', features: f('停车场', '在哪') },
        { intent: 'visiting', features: f('探视', '时间') },
        { intent: 'visiting', features: f('探视', '几点') },
      ],
      { calibrate: false },
    )
    expect(clf.classify(f('停车', '多少钱'))[0]?.intent).toBe('parking')
    expect(clf.classify(f('探视', '几点'))[0]?.intent).toBe('visiting')
  })

  it('gives a calibrated confidence: in [0, 1] and higher for clear messages than for noise', () => {
    const nlu = demoPipeline()
    const clear = nlu.analyse('心内科在几楼').ranked[0]!
    const noise = nlu.analyse('今天股市涨了吗').ranked.find((r) => r.intent === 'place_location')
    expect(clear.confidence).toBeGreaterThan(0.9)
    expect(clear.confidence).toBeLessThanOrEqual(1)
    expect(noise?.confidence ?? 0).toBeLessThan(0.3)
    const c = nlu.classifier.calibration
    expect(c.samples).toBeGreaterThan(500)
    expect(c.foldAccuracy).toBeGreaterThan(0.75)
  })

  it('scores at least 80% in stratified 5-fold cross-validation of intents/ (every example held out once)', () => {
    const kb = loadKnowledgeBase(knowledgeDir, intentsDir)
    const report = evaluateNlu(kb, languagePack())
    expect(report.foldAccuracy).toHaveLength(5)
    expect(report.total).toBe(kb.intents.reduce((n, i) => n + i.examples.length, 0))
    expect(report.accuracy).toBeGreaterThan(0.8)
    // The matrix counts every held-out example once.
    const counted = Object.values(report.matrix).flatMap((row) => Object.values(row))
    expect(counted.reduce((a, b) => a + b, 0)).toBe(report.total)
    // Five trainings: ~20 s alone, several times that on a machine busy with other work.
  }, 300_000)
})
