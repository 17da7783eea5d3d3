import { loadKnowledgeBase } from '../src/knowledge-base/load.js'
import type { KnowledgeBase } from '../src/knowledge-base/types.js'
import { NluPipeline } from '../src/nlu/pipeline.js'
import { loadLanguagePacks } from '../src/nlu/resources.js'
import { summarise, type Summary } from './stats.js'

/** Messages a night desk gets: FAQ, follow-ups, typos, traditional characters, medical, chit-chat. */
export const SAMPLE_MESSAGES = [
  '心内科在几楼',
  '做胃镜要空腹吗',
  '探视时间是几点',
  '现在药房开着吗',
  '停车怎么收费',
  '那骨科呢',
  '心內科在幾樓',
  '胃境要空腹吗',
  '我爸胸口疼得厉害喘不上气',
  '转人工',
  '发烧38度5吃什么药好',
  '今天天气怎么样',
  '请问一下医院地址在哪里啊我第一次来不知道怎么走',
  '抽血前能喝水吗',
  '我要投诉收费处多收了钱',
  'CT报告什么时候能拿',
  '周末有门诊吗',
  '异地医保能用吗',
  '可以借轮椅吗',
  '出院手续在哪办',
]

/** The demo knowledge with every intent's examples repeated `factor` times as new synthetic intents. */
export function scaledKnowledge(kb: KnowledgeBase, factor: number): KnowledgeBase {
  if (factor <= 1) return kb
  const fillers = ['请问', '麻烦问下', '我想知道', '帮我查查', '打听一下', '问问', '咨询下', '想了解']
  const extra = kb.intents.flatMap((intent) =>
    Array.from({ length: factor - 1 }, (_, k) => ({
      id: `${intent.id}__syn${k + 1}`,
      description: intent.description,
      examples: intent.examples.map(
        (ex, i) => `${fillers[(i + k) % fillers.length]}${ex}${k + 1}号${i % 3 ? '' : '吗'}`,
      ),
    })),
  )
  return { ...kb, intents: [...kb.intents, ...extra] }
}

export interface NluBench {
  factor: number
  intents: number
  examples: number
  trainMs: number
  perMessageUs: Summary
}

export async function benchNlu(
  knowledgeDir: string,
  intentsDir: string,
  factor: number,
  rounds = 200,
): Promise<NluBench> {
  const kb = scaledKnowledge(loadKnowledgeBase(knowledgeDir, intentsDir), factor)
  const pack = (await loadLanguagePacks(intentsDir)).get(kb.language)!
  const t0 = performance.now()
  const nlu = new NluPipeline(kb, pack)
  const trainMs = performance.now() - t0
  for (const m of SAMPLE_MESSAGES) nlu.analyseUncached(m) // warm caches and JIT
  const times: number[] = []
  for (let r = 0; r < rounds; r++) {
    for (const m of SAMPLE_MESSAGES) {
      const s = performance.now()
      nlu.analyseUncached(m)
      times.push((performance.now() - s) * 1000)
    }
  }
  return {
    factor,
    intents: kb.intents.length,
    examples: kb.intents.reduce((n, i) => n + i.examples.length, 0),
    trainMs,
    perMessageUs: summarise(times),
  }
}
