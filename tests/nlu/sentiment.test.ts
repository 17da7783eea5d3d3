import { describe, expect, it } from 'vitest'
import { SentimentAnalyser } from '../../src/nlu/sentiment.js'
import { demoPipeline } from '../nlu-fixture.js'

describe('sentiment', () => {
  const lex = new SentimentAnalyser({
    negative: { 差: 0.6, 火大: 0.8 },
    positive: { 满意: 0.8 },
    negators: ['不', '没有'],
    degree: { 太: 1.8, 有点: 0.6 },
    intensifiers: { '!': 1.2 },
  })

  it('scores in [-1, 1], degree adverbs and negators change it', () => {
    expect(lex.score('心内科在几楼')).toBe(0)
    expect(lex.score('有点差')).toBeGreaterThan(lex.score('差'))
    expect(lex.score('太差')).toBeLessThan(lex.score('差'))
    expect(lex.score('不满意')).toBeLessThan(0)
    expect(lex.score('太差太差太差!')).toBeGreaterThanOrEqual(-1)
    expect(lex.score('满意')).toBeGreaterThan(0)
  })

  it('a negator belongs to the word right after it only', () => {
    expect(lex.score('不差')).toBeGreaterThan(0)
    expect(lex.score('都不满意火大')).toBeLessThan(lex.score('不满意'))
  })

  it('with the shipped lexicon, angry messages go below the handoff threshold and questions stay neutral', () => {
    const s = (t: string) => demoPipeline().analyse(t).sentiment
    expect(s('排了三个小时队还没轮到，气死我了')).toBeLessThanOrEqual(-0.6)
    expect(s('你们这什么破医院，太差劲了')).toBeLessThanOrEqual(-0.6)
    expect(Math.abs(s('做胃镜要空腹吗'))).toBeLessThan(0.2)
    expect(s('谢谢，护士很耐心')).toBeGreaterThan(0.3)
  })
})
