import { createBrain } from '../src/dialogue/brain.js'
import { buildKnowledgeBase, readKnowledgeSource, type KnowledgeSource } from '../src/knowledge-base/load.js'
import { loadLanguagePacks } from '../src/nlu/resources.js'

export interface RetrainBench {
  /** An admin added a training example: every language's classifier that changed is trained again. */
  examplesLive: number[]
  examplesAll: number[]
  /** An admin moved a department: the classifiers are reused, the rest of the pipeline is rebuilt. */
  factsLive: number[]
}

/**
 * What a publish costs, as KnowledgeService does it: build the new brain from the edited source until
 * it can go live (the base language), then until every language is trained (in the background).
 */
export async function benchRetrain(
  knowledgeDir: string,
  intentsDir: string,
  runs: number,
): Promise<RetrainBench> {
  const source = readKnowledgeSource(knowledgeDir, intentsDir)
  const packs = await loadLanguagePacks(intentsDir)
  const out: RetrainBench = { examplesLive: [], examplesAll: [], factsLive: [] }
  const build = async (edited: KnowledgeSource, live: number[], all?: number[]) => {
    const t0 = performance.now()
    const brain = createBrain(buildKnowledgeBase(edited), packs, 'Asia/Shanghai')
    live.push(performance.now() - t0)
    await brain.warm()
    all?.push(performance.now() - t0)
  }
  await build(source, []) // the running version: its classifiers exist before any publish
  for (let i = 0; i < runs; i++) {
    // A new example in the first intent: the features change, so the classifier is trained again.
    const [first, ...rest] = source.intents
    const intents = [
      { ...first!, examples: [...first!.examples, `基准测试新增问法第${i + 1}条：几点能到`] },
      ...rest,
    ]
    await build({ ...source, intents }, out.examplesLive, out.examplesAll)
    const places = source.places.map((p, n) => (n === 0 ? { ...p, floor: 20 + i } : p))
    await build({ ...source, places }, out.factsLive)
  }
  return out
}
