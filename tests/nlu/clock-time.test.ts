import { describe, expect, it } from 'vitest'
import { clockTime } from '../../src/nlu/clock-time.js'

const hm = (h: number, m = 0) => h * 60 + m

describe('the clock time a message names', () => {
  it.each([
    ['明天早上8点做胃镜', hm(8)],
    ['上午九点半', hm(9, 30)],
    ['下午2点一刻', hm(14, 15)],
    ['晚上七点', hm(19)],
    ['约的是8:30', hm(8, 30)],
    ['十点做B超', hm(10)],
    ['at 8am tomorrow', hm(8)],
    ['7.30 pm', hm(19, 30)],
  ])('%s', (text, minutes) => {
    expect(clockTime(text)).toBe(minutes)
  })

  it('names none when there is no time, or an impossible one', () => {
    expect(clockTime('做胃镜要空腹吗')).toBeUndefined()
    expect(clockTime('25点')).toBeUndefined()
  })
})
