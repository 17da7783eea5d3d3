import { readFileSync } from 'node:fs'
import path from 'node:path'
import { parseYaml } from '../../src/knowledge-base/yaml.js'
import { describe, expect, it } from 'vitest'
import { demoPipeline, root } from '../nlu-fixture.js'

interface Fixture {
  positive: Array<string | { text: string; category?: string; level?: number }>
  negative: string[]
}
const fixtureFor = (file: string) =>
  parseYaml(readFileSync(path.join(root, 'tests/fixtures', file), 'utf8')) as Record<string, Fixture>
const text = (p: Fixture['positive'][number]) => (typeof p === 'string' ? p : p.text)

const detectorsOf = (lang: string): Record<string, (t: string) => boolean> => {
  const analyse = (t: string) => demoPipeline(lang).analyse(t)
  return {
    emergency: (t) => analyse(t).safety?.kind === 'emergency',
    self_harm: (t) => analyse(t).safety?.kind === 'self_harm',
    human_request: (t) => !!analyse(t).humanRequest,
    complaint: (t) => !!analyse(t).complaint,
    // Routing ("牙疼挂什么科") is found by the same detector but is not advice: it gets a department.
    medical_advice: (t) => !!analyse(t).medical && analyse(t).medical?.kind !== 'routing',
  }
}
const fixtures = fixtureFor('detectors.yaml')
const detected = detectorsOf('zh')
const analyse = (t: string) => demoPipeline().analyse(t)

describe.each(Object.keys(detected))('%s detector', (name) => {
  const fx = fixtures[name]!
  it.each(fx.positive.map(text))('catches: %s', (t) => {
    expect(detected[name]!(t)).toBe(true)
  })
  it.each(fx.negative)('leaves alone: %s', (t) => {
    expect(detected[name]!(t)).toBe(false)
  })
})

describe('negation and categories', () => {
  it('"没有胸痛" is not an emergency, "没有发烧，但是胸痛" is', () => {
    expect(analyse('我没有胸痛，想问心电图要不要空腹').safety).toBeUndefined()
    expect(analyse('没有发烧，但是胸痛得厉害').safety?.kind).toBe('emergency')
  })
  it('classifies complaints by category and level', () => {
    for (const p of fixtures.complaint!.positive) {
      if (typeof p === 'string' || !p.category) continue
      const c = analyse(p.text).complaint
      expect(c?.category, p.text).toBe(p.category)
      if (p.level) expect(c?.level, p.text).toBe(p.level)
    }
  })
  it('tells "which department" apart from medical advice', () => {
    expect(analyse('牙疼挂什么科').medical?.kind).toBe('routing')
    expect(analyse('牙疼吃什么药').medical?.kind).toBe('drug')
  })

  it('asking for the complaint phone number is not a complaint', () => {
    expect(analyse('投诉电话是多少').complaint).toBeUndefined()
    expect(analyse('护士态度太差了，投诉电话是多少').complaint).toBeDefined()
  })
})

describe.each(Object.entries(fixtureFor('detectors.en.yaml')))('English %s detector', (name, fx) => {
  const detect = detectorsOf('en')[name]!
  it.each(fx.positive.map(text))('catches: %s', (t) => {
    expect(detect(t)).toBe(true)
  })
  it.each(fx.negative)('leaves alone: %s', (t) => {
    expect(detect(t)).toBe(false)
  })
})
