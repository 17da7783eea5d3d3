import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chat, testApp, testClock } from './helpers.js'

let app: FastifyInstance
let token: string
// The app lives in the week of the seeded messages, whatever day the tests run.
const clock = testClock('2026-11-24T09:00:00+08:00')
// A sign-in lasts hours of the app's clock, so each test signs in at its own moment.
const signIn = async () => {
  token = (
    await app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { username: 'boss', password: 'report-night-2026' },
    })
  ).json().token
}
beforeAll(async () => {
  app = await testApp({ admin: { username: 'boss', password: 'report-night-2026' } }, { clock })
})
afterAll(async () => {
  await app?.close()
})

describe('night response rate', () => {
  it('counts night messages answered at once by the bot, and handoffs still waiting for a person', async () => {
    const seed: Array<[string, string, string]> = [
      ['night-1', '心内科在几楼', '2026-11-24T23:00:00+08:00'],
      ['night-1', '今天天气怎么样', '2026-11-24T23:01:00+08:00'],
      ['night-2', '转人工', '2026-11-25T02:00:00+08:00'],
      ['day-1', '心内科在几楼', '2026-11-24T10:00:00+08:00'],
    ]
    for (const [session, text, at] of seed) {
      clock.set(at)
      await chat(app, session, text)
    }
    clock.set('2026-11-25T02:01:00+08:00')
    await signIn()
    const res = await app.inject({
      method: 'GET',
      url: '/api/admin/reports/night-response?from=2026-11-24T00:00:00%2B08:00&to=2026-11-26T00:00:00%2B08:00',
      headers: { authorization: `Bearer ${token}` },
    })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({
      nightMessages: 3,
      answeredInTime: 2,
      byBot: 2,
      byPerson: 0,
      waiting: 1,
      target: 0.9,
    })
    expect(res.json().rate).toBeCloseTo(2 / 3)
  })

  it('is for admins only', async () => {
    expect((await app.inject({ method: 'GET', url: '/api/admin/reports/night-response' })).statusCode).toBe(
      401,
    )
  })
})

describe("a patient's data on request", () => {
  it('exports one conversation and deletes it, keeping the ticket for statistics only', async () => {
    await signIn()
    const handoff = await chat(app, 'pipl-1', '转人工')
    await chat(app, 'pipl-1', '我的电话13912345678')
    const exported = (
      await app.inject({
        method: 'GET',
        url: '/api/admin/patients/pipl-1/export',
        headers: { authorization: `Bearer ${token}` },
      })
    ).json()
    expect(exported.transcript).toHaveLength(4)
    expect(exported.tickets[0].detail.callbackPhone).toBe('13912345678')
    const deleted = await app.inject({
      method: 'DELETE',
      url: '/api/admin/patients/pipl-1',
      headers: { authorization: `Bearer ${token}` },
    })
    expect(deleted.json()).toEqual({ transcriptEntries: 4, tickets: 1 })
    expect(
      (
        await app.inject({
          method: 'GET',
          url: '/api/admin/patients/pipl-1/export',
          headers: { authorization: `Bearer ${token}` },
        })
      ).json().transcript,
    ).toEqual([])
    const ticket = await app.stores.tickets.get(handoff.handoff!.ticketId)
    expect(ticket).toMatchObject({ sessionId: 'forgotten', detail: {} })
    // Gone from the disk too, not only from memory.
    const { readFileSync } = await import('node:fs')
    expect(readFileSync(`${app.stores.dataDir}/journal.ndjson`, 'utf8')).not.toContain('13912345678')
  })
})
