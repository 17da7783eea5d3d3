import { describe, expect, it } from 'vitest'
import { addUserWords, segment } from '../../src/nlu/segment.js'
import { demoPipeline } from '../nlu-fixture.js'

describe('segmentation (real nodejieba)', () => {
  it('keeps department, alias and exam names whole with the knowledge dictionary', () => {
    demoPipeline()
    expect(segment('呼吸与危重症医学科在几楼')).toContain('呼吸与危重症医学科')
    expect(segment('我想去生殖医学中心')).toContain('生殖医学中心')
    expect(segment('增强ct要空腹吗')).toContain('增强ct')
  })
  it('learns a new department name at runtime, without a restart', () => {
    expect(segment('睡眠呼吸监测室在哪')).not.toContain('睡眠呼吸监测室')
    addUserWords(['睡眠呼吸监测室'])
    expect(segment('睡眠呼吸监测室在哪')).toContain('睡眠呼吸监测室')
  })
})
