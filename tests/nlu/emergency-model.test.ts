import { describe, expect, it } from 'vitest'
import { EmergencyModel } from '../../src/nlu/emergency-model.js'
import { demoPipeline } from '../nlu-fixture.js'

describe('the model behind the red-flag rules', () => {
  it('learns a present emergency from examples, and leaves the questions it is trained against alone', () => {
    const model = new EmergencyModel(
      {
        emergencies: {
          chest: ['我爸胸口压着疼出冷汗', '老公心口像石头压着 一直冒汗', '胸前闷痛半小时了 满头大汗'],
          self_harm: ['药都攒好了 今晚就走', '活着太累了 遗书写好了'],
        },
        look_alikes: { history: ['去年胸口疼查过心电图 没事', '以前写过遗书 现在好多了'] },
      },
      ['心内科在几楼', '胃镜要空腹吗', '停车怎么收费', '晚上几点关门'],
    )
    const found = model.detect('我老爸胸口压得疼 冷汗直冒', 0.5)
    expect(found).toMatchObject({ kind: 'emergency', category: 'chest' })
    expect(model.detect('遗书写好了 药也攒够了', 0.5)?.kind).toBe('self_harm')
    expect(model.probability('心内科晚上几点关门')).toBeLessThan(0.5)
  })

  it('raises with the shipped examples a present emergency the rules do not list', () => {
    const nlu = demoPipeline()
    // Cardiac pain told by what it looks like, in none of the rules' words: the model finds it.
    const a = nlu.analyse('我老公脸色煞白 满头汗 捂着胸口说压得慌')
    expect(a.safety).toMatchObject({
      kind: 'emergency',
      category: 'chest',
      evidence: expect.stringMatching(/^model /),
    })
    for (const q of ['心梗有什么前兆', '心内科在几楼', '胃镜要空腹吗', '去年中风过 现在想复查']) {
      expect(nlu.analyse(q).safety, q).toBeUndefined()
    }
  })

  it('does the same in English, from the English examples', () => {
    const en = demoPipeline('en')
    // An indirect farewell, in none of the English rules' words.
    const a = en.analyse(
      'my wife keeps saying everyone would be better off without her and she gave away her cat',
    )
    expect(a.safety).toMatchObject({ kind: 'self_harm', evidence: expect.stringMatching(/^model /) })
    expect(en.analyse('where is the cardiology clinic').safety).toBeUndefined()
  })
})
