import { describe, expect, it } from 'vitest'
import { placeholders, render } from '../../src/knowledge-base/template.js'

describe('answer templates', () => {
  const facts = {
    hospital: { phones: { main: '0571-8800-1200' } },
    services: { parking: { fee: '每小时5元' } },
  }

  it('fills facts by path and looks in scopes in order', () => {
    expect(render('电话{{hospital.phones.main}}，停车{{ services.parking.fee }}', facts)).toBe(
      '电话0571-8800-1200，停车每小时5元',
    )
    expect(render('{{name}}在{{where}}', { name: '心内科', where: '门诊楼2楼' }, facts)).toBe(
      '心内科在门诊楼2楼',
    )
    expect(placeholders('{{a.b}} {{c}}')).toEqual(['a.b', 'c'])
  })

  it('never silently drops a missing fact', () => {
    expect(() => render('电话{{hospital.phones.night}}', facts)).toThrow(/hospital.phones.night/)
  })
})
