import { describe, expect, it } from 'vitest'
import { createNormaliser, HomophoneCorrector } from '../../src/nlu/normalise.js'

const normalise = createNormaliser(
  { 新内科: '心内科', b朝: 'b超' },
  new HomophoneCorrector(['胃镜', '核磁共振', '心内科', '皮肤科', '妇科', '探视']),
)

describe('normalise', () => {
  it('folds full-width forms and case (NFKC)', () => {
    expect(normalise('ＣＴ在哪？')).toBe('ct在哪?')
  })
  it('turns traditional characters into simplified', () => {
    expect(normalise('心內科在幾樓')).toBe('心内科在几楼')
  })
  it('drops emoji, control characters and repeated punctuation, and spaces inside Chinese', () => {
    expect(normalise('  门诊  几点开门？？？😊 ')).toBe('门诊几点开门?')
    expect(normalise('探视\u200b时间!!!!')).toBe('探视时间!')
  })
  it('fixes listed typos', () => {
    expect(normalise('新内科在几楼')).toBe('心内科在几楼')
    expect(normalise('做B朝要空腹吗')).toBe('做b超要空腹吗')
  })
  it('fixes near-homophones of domain words, never a correct word', () => {
    expect(normalise('胃境要空腹吗')).toBe('胃镜要空腹吗')
    expect(normalise('做核磁公振注意啥')).toBe('做核磁共振注意啥')
    expect(normalise('探事几点')).toBe('探视几点')
    expect(normalise('皮肤科怎么走')).toBe('皮肤科怎么走')
    expect(normalise('我喜欢吃胃')).toBe('我喜欢吃胃')
  })
})
