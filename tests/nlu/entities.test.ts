import { describe, expect, it } from 'vitest'
import { demoPipeline } from '../nlu-fixture.js'

const entities = (t: string) => demoPipeline().analyse(t).entities

describe('entity extraction', () => {
  it('finds places by name and alias', () => {
    expect(entities('心内科在几楼').place?.ids).toEqual(['cardiology'])
    expect(entities('心血管内科在哪').place?.ids).toEqual(['cardiology'])
    expect(entities('ICU在哪').place?.ids).toEqual(['icu'])
  })
  it('resolves a word that means several places to all of them', () => {
    expect(entities('药房几点关门').place?.ids).toEqual([
      'outpatient_pharmacy',
      'tcm_pharmacy',
      'emergency_pharmacy',
    ])
  })
  it('reads two adjacent place words as the more specific one', () => {
    expect(entities('肾内科门诊在几楼').place?.ids).toEqual(['nephrology'])
    expect(entities('门诊拿西药在几楼').place?.ids).toEqual(['outpatient_pharmacy'])
  })
  it('finds exams, buildings and time words', () => {
    const e = entities('现在做无痛胃镜去医技楼吗')
    expect(e.exam?.ids).toEqual(['gastroscopy'])
    expect(e.building?.ids).toEqual(['医技楼'])
    expect(e.times).toEqual(['now'])
    expect(entities('周末晚上有门诊吗').times.sort()).toEqual(['night', 'weekend'])
    expect(entities('春节放假开门吗').times).toEqual(['holiday'])
  })
})
