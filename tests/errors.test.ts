import type { FastifyError } from 'fastify'
import { describe, expect, it } from 'vitest'
import { AccountError } from '../src/auth/accounts.js'
import { errorBody, Errors, httpError } from '../src/errors.js'
import { NoSuchAgentError, NotYourTicketError } from '../src/handoff/errors.js'
import { CsvError, KnowledgeError, RemovalNotConfirmedError } from '../src/knowledge-base/errors.js'
import { StorageUnavailableError } from '../src/storage/errors.js'
import { TicketConflictError, TicketNotFoundError } from '../src/storage/types.js'

const ctx = { bodyLimit: 16 * 1024 }
const mapped = (err: Error, more = {}) => {
  const e = httpError(err as FastifyError, { ...ctx, ...more })
  return { status: e.statusCode, ...errorBody(e).error }
}

describe('the error map', () => {
  it('gives each domain error its stable code and status', () => {
    expect(mapped(new TicketNotFoundError('T1'))).toMatchObject({ status: 404, code: 'ND_TICKET_NOT_FOUND' })
    expect(mapped(new TicketConflictError('T1', 'closed'))).toMatchObject({
      status: 409,
      code: 'ND_TICKET_CONFLICT',
      message: expect.stringContaining('closed'),
    })
    expect(mapped(new NotYourTicketError('T1'))).toMatchObject({ status: 403, code: 'ND_NOT_YOUR_TICKET' })
    expect(mapped(new NoSuchAgentError('a9'))).toMatchObject({ status: 422, code: 'ND_AGENT_NOT_FOUND' })
    expect(mapped(new AccountError('ND_WEAK_PASSWORD', 'too short'))).toMatchObject({
      status: 400,
      code: 'ND_ACCOUNT_INVALID',
      message: 'too short',
    })
    expect(mapped(new RemovalNotConfirmedError(['a', 'b'], 3))).toMatchObject({
      status: 409,
      code: 'ND_CONFIRMATION_REQUIRED',
    })
  })

  it('lists every problem of invalid knowledge, a CSV table named in its own', () => {
    expect(mapped(new KnowledgeError(['x: missing', 'y: bad']))).toMatchObject({
      status: 422,
      code: 'ND_KNOWLEDGE_INVALID',
      details: ['x: missing', 'y: bad'],
    })
    expect(mapped(new CsvError('places', 'row 3: floor missing'))).toMatchObject({
      code: 'ND_KNOWLEDGE_INVALID',
      details: ['places.csv: row 3: floor missing'],
    })
  })

  it('reports storage being away as 503, and hides any other failure', () => {
    expect(mapped(new StorageUnavailableError('test'))).toMatchObject({
      status: 503,
      code: 'ND_STORAGE_UNAVAILABLE',
    })
    const internal = mapped(new Error('secret path /etc/nightdesk'))
    expect(internal).toMatchObject({ status: 500, code: 'ND_INTERNAL' })
    expect(internal.message).not.toContain('/etc')
  })

  it("says an admin upload's own limit", () => {
    const tooLarge = Object.assign(new Error('too large'), {
      code: 'FST_ERR_CTP_BODY_TOO_LARGE',
      statusCode: 413,
    })
    expect(mapped(tooLarge)).toMatchObject({ status: 413, code: 'ND_BODY_TOO_LARGE' })
    expect(mapped(tooLarge, { importLimit: 2048 })).toMatchObject({
      status: 413,
      code: 'ND_IMPORT_TOO_LARGE',
      message: expect.stringContaining('2 KB'),
    })
  })

  it('passes our own errors through as they are', () => {
    expect(mapped(new Errors.RateLimited('3 seconds'))).toMatchObject({
      status: 429,
      code: 'ND_RATE_LIMITED',
    })
  })
})
