import { describe, expect, it } from 'vitest'
import { execAll } from '../../src/nlu/regex.js'

describe('every match of a global expression', () => {
  it('finds what matchAll finds, and leaves the expression ready for the next text', () => {
    const re = /胸[口部]?痛|喘不上气/gu
    const text = '胸口痛，喘不上气，胸痛'
    expect(execAll(re, text).map((m) => [m[0], m.index])).toEqual(
      [...text.matchAll(re)].map((m) => [m[0], m.index]),
    )
    expect(re.lastIndex).toBe(0)
    expect(execAll(re, '胸痛').map((m) => m[0])).toEqual(['胸痛'])
  })

  it('steps over empty matches, a whole character at a time beyond the basic plane', () => {
    const re = /a*/gu
    const text = 'b𠮷aa'
    expect(execAll(re, text).map((m) => [m[0], m.index])).toEqual(
      [...text.matchAll(re)].map((m) => [m[0], m.index]),
    )
  })
})
