import { describe, expect, it } from 'vitest'
import {
  isOpen,
  localTime,
  nextOpening,
  openingLabel,
  parseClock,
  renderSchedule,
  validateSchedule,
  ZH_CALENDAR,
} from '../../src/knowledge-base/schedule.js'
import type { Schedule } from '../../src/knowledge-base/types.js'

const outpatient: Schedule = {
  id: 'outpatient',
  label: '门诊',
  rules: [
    { days: 'weekdays', from: '8:00', to: '12:00' },
    { days: 'weekdays', from: '13:30', to: '17:00' },
    { days: 'weekend', from: '8:00', to: '12:00', note: '普通门诊和儿科' },
  ],
}

describe('schedules', () => {
  it('finds when a closed schedule next opens: later today, tomorrow, or after the weekend', () => {
    const at = (iso: string) => localTime(new Date(iso), 'Asia/Shanghai')
    const label = (iso: string) => openingLabel(nextOpening(outpatient, at(iso))!, ZH_CALENDAR)
    expect(label('2026-11-24T03:00:00+08:00')).toBe('今天 8:00') // Tuesday night
    expect(label('2026-11-24T12:30:00+08:00')).toBe('今天 13:30') // lunch break
    expect(label('2026-11-24T19:00:00+08:00')).toBe('明天 8:00')
    expect(label('2026-11-29T14:00:00+08:00')).toBe('明天 8:00') // Sunday afternoon: Monday
    expect(label('2026-11-28T13:00:00+08:00')).toBe('明天 8:00') // Saturday afternoon: Sunday morning
    expect(
      nextOpening({ id: 'er', label: '急诊', always: true, rules: [] }, at('2026-11-24T03:00:00+08:00')),
    ).toBe(undefined)
  })

  it('reads the hospital clock in its own time zone', () => {
    // 2026-11-23T17:30Z is Tuesday 01:30 in Shanghai.
    expect(localTime(new Date('2026-11-23T17:30:00Z'), 'Asia/Shanghai')).toMatchObject({
      weekday: 2,
      minutes: 90,
      label: '周二 01:30',
    })
  })

  it('knows when a clinic is open', () => {
    const at = (iso: string) => localTime(new Date(iso), 'Asia/Shanghai')
    expect(isOpen(outpatient, at('2026-11-24T09:00:00+08:00'))).toBe(true)
    expect(isOpen(outpatient, at('2026-11-24T12:30:00+08:00'))).toBe(false)
    expect(isOpen(outpatient, at('2026-11-24T17:00:00+08:00'))).toBe(false)
    expect(isOpen(outpatient, at('2026-11-28T10:00:00+08:00'))).toBe(true) // Saturday
    expect(isOpen(outpatient, at('2026-11-28T14:00:00+08:00'))).toBe(false)
    expect(
      isOpen({ id: 'er', label: '急诊', always: true, rules: [] }, at('2026-11-24T03:00:00+08:00')),
    ).toBe(true)
  })

  it('renders hours the way the fact sheet writes them', () => {
    expect(renderSchedule(outpatient)).toBe(
      '周一至周五 8:00-12:00、13:30-17:00；周六、周日 8:00-12:00（普通门诊和儿科）',
    )
    expect(
      renderSchedule({ id: 'v', label: '探视', rules: [{ days: 'daily', from: '15:00', to: '20:00' }] }),
    ).toBe('每天 15:00-20:00')
  })

  it('rejects malformed hours with a message that names the field', () => {
    expect(() => parseClock('25:00')).toThrow(/malformed/)
    expect(
      validateSchedule({ id: 'x', label: 'x', rules: [{ days: 'weekdays', from: '17:00', to: '8:00' }] }),
    ).toEqual(['schedules.x.rules[0]: opens at 17:00 but closes at 8:00'])
    expect(
      validateSchedule({ id: 'y', label: 'y', rules: [{ days: 'weekdays', from: '8点', to: '9:00' }] })[0],
    ).toMatch(/schedules.y.rules\[0\]: malformed time "8点"/)
  })
})
