import { once } from 'node:events'
import { readdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { IntentClassifier } from '../../src/nlu/classifier.js'
import { TrainingStore } from '../../src/nlu/training-store.js'
import { tempDir } from '../helpers.js'
import { demoPipeline, languagePack } from '../nlu-fixture.js'
import { NluPipeline } from '../../src/nlu/pipeline.js'
import { addUserWords } from '../../src/nlu/segment.js'
import { freePort, startServer } from '../server-process.js'

let runs = 0
const questions = [
  '心内科在几楼',
  '做胃镜要空腹吗',
  '探视时间',
  '停车怎么收费',
  '今天股市涨了吗',
  '转人工',
  '牙疼挂什么科',
]

/** Runs the compiled server on `dataDir` until healthy; returns its start-up log line and some replies. */
async function run(dataDir: string): Promise<{ training: string; replies: unknown[] }> {
  // Its own training folder, so that what a restart finds there is what the first run stored.
  const port = await freePort()
  const child = await startServer(
    { DATA_DIR: dataDir, TRAINING_DIR: path.join(dataDir, 'trainings'), LOG_LEVEL: 'info' },
    port,
  )
  try {
    const replies = []
    for (const text of questions) {
      const res = await fetch(`http://127.0.0.1:${port}/api/chat`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ sessionId: `s${++runs}-${text}`, text }),
      })
      const { reply, action, intent, confidence } = (await res.json()) as Record<string, unknown>
      replies.push({ reply, action, intent, confidence })
    }
    child.kill('SIGTERM')
    await once(child, 'exit')
    const loaded = child
      .printed()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { msg: string; training?: string })
      .find((l) => l.msg === 'knowledge loaded')
    return { training: loaded?.training ?? 'unknown', replies }
  } finally {
    child.kill('SIGKILL')
  }
}

describe('trainings kept between runs', () => {
  it('a classifier restored from its state ranks and compares every message as the trained one does', () => {
    // Characters and pairs as features: enough to train on the shipped examples without the pipeline.
    const featuresOf = (text: string) =>
      new Map(
        [...text].flatMap(
          (c, i, all) =>
            [
              [`c:${c}`, 1],
              [`b:${c}${all[i + 1] ?? ''}`, 1],
            ] as Array<[string, number]>,
        ),
      )
    const data = demoPipeline().kb.intents.flatMap((i) =>
      i.examples.map((ex) => ({ intent: i.id, features: featuresOf(ex) })),
    )
    const trained = new IntentClassifier(data)
    const restored = IntentClassifier.fromState(JSON.parse(JSON.stringify(trained.state())))
    expect(restored.calibration).toEqual(trained.calibration)
    expect(() => IntentClassifier.fromState({ ...trained.state(), weights: '' })).toThrow(/incomplete/)
    for (const text of [...questions, '急诊在哪', '几点下班', '可以刷医保卡吗', 'CT报告多久出']) {
      const f = featuresOf(text)
      expect(restored.classify(f), text).toEqual(trained.classify(f))
      expect(restored.nearest(f, 'place_location')).toBe(trained.nearest(f, 'place_location'))
    }
  })

  it("reuses a training only with the same segmenter dictionary (it holds every version's names)", () => {
    const kb = demoPipeline().kb
    expect(new NluPipeline(kb, languagePack()).training).toBe('reused')
    addUserWords(['夜间测试专用词'])
    expect(new NluPipeline(kb, languagePack()).training).toBe('trained')
  })

  it('loads a stored training, and a damaged or missing file is simply not found', () => {
    const dir = tempDir('nd-trainings-')
    const store = new TrainingStore(dir)
    const state = demoPipeline().classifier.state()
    store.save('k1', { classifier: state, words: ['a'] })
    expect(store.load('k1')?.classifier.intents).toEqual(state.intents)
    expect(store.load('other')).toBeUndefined()
    writeFileSync(path.join(dir, 'k1.json'), '{"classifier": {"intents": [')
    expect(store.load('k1')).toBeUndefined()
    for (let i = 0; i < 15; i++) store.save(`n${i}`, { classifier: state, words: [] })
    expect(readdirSync(dir).filter((f) => f.endsWith('.json')).length).toBe(12)
  })

  it('a restart on the same data directory loads the training and answers exactly as before', async () => {
    const dataDir = tempDir('nd-restart-')
    const first = await run(dataDir)
    expect(first.training).toBe('trained')
    const kept = readdirSync(path.join(dataDir, 'trainings'))
    expect(kept.length).toBeGreaterThanOrEqual(1)
    const second = await run(dataDir)
    expect(second.training).toBe('loaded')
    expect(second.replies).toEqual(first.replies)
    // A damaged file (here whole JSON, but not a whole training) is trained again, not trusted.
    for (const f of kept) {
      writeFileSync(
        path.join(dataDir, 'trainings', f),
        '{"classifier": {"intents": ["parking"]}, "words": []}',
      )
    }
    const third = await run(dataDir)
    expect(third.training).toBe('trained')
    expect(third.replies).toEqual(first.replies)
  }, 60_000)
})
