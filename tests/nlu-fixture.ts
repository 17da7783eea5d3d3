import path from 'node:path'
import { loadKnowledgeBase } from '../src/knowledge-base/load.js'
import { NluPipeline } from '../src/nlu/pipeline.js'
import { loadLanguagePacks, type LanguagePack } from '../src/nlu/resources.js'

export const root = path.resolve(import.meta.dirname, '..')
export const knowledgeDir = path.join(root, 'knowledge')
export const intentsDir = path.join(root, 'intents')

const packs = await loadLanguagePacks(intentsDir)

export function languagePack(code = 'zh'): LanguagePack {
  return packs.get(code)!
}

const shared = new Map<string, NluPipeline>()
/** The shipped knowledge base and its trained pipeline in one language, built once per test file. */
export function demoPipeline(code = 'zh'): NluPipeline {
  let nlu = shared.get(code)
  if (!nlu) {
    const base = loadKnowledgeBase(knowledgeDir, intentsDir)
    const kb = code === base.language ? base : base.languages!.get(code)!
    const pack = languagePack(code)
    nlu = new NluPipeline(kb, pack)
    shared.set(code, nlu)
  }
  return nlu
}
