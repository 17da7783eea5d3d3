import { Writable } from 'node:stream'
import pino from 'pino'
import { describe, expect, it } from 'vitest'
import { loggerOptions } from '../src/logger.js'
import { maskPii } from '../src/privacy/mask.js'

describe('PII masking', () => {
  it('masks mobile numbers, ID card numbers and self-introduced names in free text', () => {
    expect(maskPii('我叫张小明，电话13812345678，身份证110101199003074518')).toBe(
      '我叫张**，电话138****5678，身份证1101*************8',
    )
    expect(maskPii('回电 138-1234-5678')).toBe('回电 138****5678')
    expect(maskPii('心内科在几楼')).toBe('心内科在几楼')
  })

  it('masks medical record numbers and names given in English', () => {
    expect(maskPii('我的病历号是A2023456789，住院号：8812345')).toBe(
      '我的病历号是A2*********，住院号：88*****',
    )
    expect(maskPii('My name is John Smith, MRN 00451234')).toBe('My name is J*** *****, MRN 00******')
    expect(maskPii('where is cardiology? this is urgent')).toBe('where is cardiology? this is urgent')
  })

  it('keeps PII out of the log stream', () => {
    const lines: string[] = []
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk))
        cb()
      },
    })
    const opts = loggerOptions('info') as pino.LoggerOptions
    const log = pino(opts, sink)
    log.info({ text: '我姓李，手机13900001111', patient: { phone: '13900001111' } }, 'message')
    log.info({ ticket: { id: 'T1', detail: { callbackPhone: '13700002222' } } }, 'ticket')
    const out = lines.join('')
    expect(out).not.toContain('13900001111')
    expect(out).not.toContain('13700002222')
    expect(out).toContain('139****1111')
    expect(out).toContain('[redacted]')
  })
})
