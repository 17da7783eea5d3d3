import path from 'node:path'
import { loadKnowledgeBase } from '../src/knowledge-base/load.js'
import { NluPipeline } from '../src/nlu/pipeline.js'
import { loadNluResources } from '../src/nlu/resources.js'

export const root = path.resolve(import.meta.dirname, '..')
export const knowledgeDir = path.join(root, 'knowledge')
export const intentsDir = path.join(root, 'intents')

let shared: NluPipeline | undefined
/** The shipped knowledge base and its trained pipeline, built once per test file. */
export function demoPipeline(): NluPipeline {
  shared ??= new NluPipeline(loadKnowledgeBase(knowledgeDir, intentsDir), loadNluResources(intentsDir))
  return shared
}
