import type { FastifyServerOptions } from 'fastify'
import pino from 'pino'

const ID_CARD = /(?<![\dXx])(\d{4})\d{13}([\dXx])(?![\dXx])/g
const MOBILE = /(?<!\d)(1[3-9]\d)[- ]?\d{4}[- ]?(\d{4})(?!\d)/g
const NAME_INTRO = /(我叫|我姓|姓名[:：]?|名字叫|名字是)([\u4e00-\u9fa5])([\u4e00-\u9fa5]{0,2})/g

/** Masks ID card numbers, mobile numbers and self-introduced names inside free text (PIPL). */
export function maskPii(text: string): string {
  return text
    .replace(ID_CARD, (_m, head: string, tail: string) => `${head}${'*'.repeat(13)}${tail}`)
    .replace(MOBILE, (_m, head: string, tail: string) => `${head}****${tail}`)
    .replace(NAME_INTRO, (_m, intro: string, first: string, rest: string) => `${intro}${first}${'*'.repeat(rest.length || 1)}`)
}

/** pino options: structured fields that may hold PII are redacted, free text is masked. */
export function loggerOptions(level: string): FastifyServerOptions['logger'] {
  return {
    level,
    // Buffered, asynchronous writes: a synchronous write per line cost ~13% of a chat request.
    stream: pino.destination({ dest: 1, sync: false, minLength: 4096 }),
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', '*.phone', '*.callbackPhone', '*.idNumber', '*.patientName'], censor: '[redacted]' },
    serializers: {
      text: (t: unknown) => (typeof t === 'string' ? maskPii(t) : t),
    },
  }
}
