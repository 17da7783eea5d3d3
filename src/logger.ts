import type { FastifyServerOptions } from 'fastify'
import pino from 'pino'
import { maskOpenId, maskPii, maskSessionId } from './privacy/mask.js'

// Explicit paths, where these fields can sit in what is logged (a patient, a ticket and its detail, a
// change, a session, a request body): wildcard paths ("*.phone") cost ~1 µs on every request's child
// logger and ~2 µs per line.
const PII_FIELDS = ['phone', 'callbackPhone', 'idNumber', 'patientName']
const PII_PARENTS = [
  '',
  'patient.',
  'detail.',
  'ticket.',
  'ticket.detail.',
  'patch.',
  'patch.detail.',
  'session.',
  'record.',
  'body.',
  'req.body.',
]
const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  ...PII_PARENTS.flatMap((p) => PII_FIELDS.map((f) => `${p}${f}`)),
]

/** pino options: structured fields that may hold PII are redacted, free text is masked. */
export function loggerOptions(level: string): FastifyServerOptions['logger'] {
  return {
    level,
    // Synchronous writes: no request lines are logged, so lines are few and the chat path rarely
    // writes one; in exchange a crash's last line is never lost. (With asynchronous writes, the line
    // in flight when process.exit ran was lost: the crash line itself, under load.)
    stream: pino.destination({ dest: 1, sync: true }),
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    serializers: {
      text: (t: unknown) => (typeof t === 'string' ? maskPii(t) : t),
      // WeChat official-account patients are known by their openid, personal data like a phone number.
      openid: (id: unknown) => (typeof id === 'string' ? maskOpenId(id) : id),
      sessionId: (id: unknown) => (typeof id === 'string' ? maskSessionId(id) : id),
    },
  }
}
