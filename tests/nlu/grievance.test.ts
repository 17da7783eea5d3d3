import { describe, expect, it } from 'vitest'
import { NaiveBayes } from '../../src/nlu/grievance.js'
import { demoPipeline } from '../nlu-fixture.js'

describe('naive Bayes over character n-grams', () => {
  it('learns which label a text is closest to, with probabilities that sum to 1', () => {
    const nb = new NaiveBayes([
      { text: '多收了钱', label: 'money' },
      { text: '扣了两次费', label: 'money' },
      { text: '态度很凶', label: 'manner' },
      { text: '说话不耐烦', label: 'manner' },
    ])
    expect(nb.best('又多扣了一次钱').label).toBe('money')
    expect(nb.best('那个人态度不耐烦').label).toBe('manner')
    const p = nb.probabilities('钱')
    expect([...p.values()].reduce((a, b) => a + b, 0)).toBeCloseTo(1)
  })
})

describe('complaints and distress said without the rules’ words', () => {
  const nlu = demoPipeline()
  it('finds a calm billing complaint with its category and level', () => {
    const a = nlu.analyse('上周做检查的钱在窗口交过一次，手机上又被扣了一次，一直没人给退')
    // No complaint keyword: found by the model (the rules alone would answer it as an FAQ).
    expect(a.complaint).toMatchObject({
      category: 'billing',
      level: 2,
      evidence: expect.stringMatching(/^model /),
    })
  })

  it('leaves questions about the same things alone', () => {
    for (const q of ['退费在哪个窗口办', '医保卡可以在自助机上缴费吗', '报告一般多久能出来']) {
      const a = nlu.analyse(q)
      expect(a.complaint, q).toBeUndefined()
      expect(a.distress, q).toBeUndefined()
    }
  })

  it('leaves too little to judge to the clarify question', () => {
    expect(nlu.analyse('啊啊啊啊啊啊').distress).toBeUndefined()
  })
})
