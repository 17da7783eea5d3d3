import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chat, testApp, testClock } from '../helpers.js'

// Issue 17, hole 3: a request's `now` dated the records it made, so a client could date its ticket in
// 2000 (first in the queue), fake SLA breaches, and dodge or trigger retention.
const clock = testClock('2031-03-04T10:00:00+08:00')
let app: FastifyInstance
beforeAll(async () => {
  app = await testApp({}, { clock })
})
afterAll(async () => {
  await app?.close()
})

describe("a request's now never dates records", () => {
  it('tickets, turns and the conversation are dated by the server clock, queue order too', async () => {
    const honest = await chat(app, 'rt-honest', '转人工')
    clock.set('2031-03-04T10:01:00+08:00')
    const early = await chat(app, 'rt-early', '转人工', '2000-01-01T00:00:00Z')
    const ticket = await app.stores.tickets.get(early.handoff!.ticketId)
    expect(ticket?.createdAt).toBe('2031-03-04T02:01:00.000Z')
    const turns = await app.stores.transcripts.list('rt-early')
    expect(turns.map((t) => t.at)).toEqual(['2031-03-04T02:01:00.000Z', '2031-03-04T02:01:00.000Z'])
    expect((await app.stores.sessions.get('rt-early'))?.createdAt).toBe('2031-03-04T02:01:00.000Z')
    const queue = (await app.handoff.queue()).map((t) => t.id)
    expect(queue.indexOf(honest.handoff!.ticketId)).toBeLessThan(queue.indexOf(early.handoff!.ticketId))
    // No SLA clock starts 31 years ago.
    expect(
      (await app.handoff.queue())
        .find((t) => t.id === early.handoff!.ticketId)!
        .clocks.some((c) => c.breached),
    ).toBe(false)
  })

  it('still answers "what is open now" for the time the request names', async () => {
    const night = await chat(app, 'rt-open-night', '药房现在开着吗', '2031-03-04T03:00:00+08:00')
    const day = await chat(app, 'rt-open-day', '药房现在开着吗', '2031-03-04T10:00:00+08:00')
    expect(night.reply).not.toBe(day.reply)
  })
})
