import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chat, testApp } from './helpers.js'

let app: FastifyInstance
let token: string
beforeAll(async () => {
  app = await testApp({ admin: { username: 'boss', password: 'report-night-2026' } })
  token = (await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'boss', password: 'report-night-2026' } })).json().token
})
afterAll(async () => { await app?.close() })

describe('night response rate', () => {
  it('counts night messages answered at once by the bot, and handoffs still waiting for a person', async () => {
    await chat(app, 'night-1', '心内科在几楼', '2026-11-24T23:00:00+08:00')
    await chat(app, 'night-1', '今天天气怎么样', '2026-11-24T23:01:00+08:00')
    await chat(app, 'night-2', '转人工', '2026-11-25T02:00:00+08:00')
    await chat(app, 'day-1', '心内科在几楼', '2026-11-24T10:00:00+08:00')
    const res = await app.inject({ method: 'GET', url: '/api/admin/reports/night-response?from=2026-11-24T00:00:00%2B08:00&to=2026-11-26T00:00:00%2B08:00', headers: { authorization: `Bearer ${token}` } })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ nightMessages: 3, answeredInTime: 2, byBot: 2, byPerson: 0, waiting: 1, target: 0.9 })
    expect(res.json().rate).toBeCloseTo(2 / 3)
  })

  it('is for admins only', async () => {
    expect((await app.inject({ method: 'GET', url: '/api/admin/reports/night-response' })).statusCode).toBe(401)
  })
})

describe('a patient\'s data on request', () => {
  it('exports one conversation and deletes it, keeping the ticket for statistics only', async () => {
    const handoff = await chat(app, 'pipl-1', '转人工')
    await chat(app, 'pipl-1', '我的电话13912345678')
    const exported = (await app.inject({ method: 'GET', url: '/api/admin/patients/pipl-1/export', headers: { authorization: `Bearer ${token}` } })).json()
    expect(exported.transcript).toHaveLength(4)
    expect(exported.tickets[0].detail.callbackPhone).toBe('13912345678')
    const deleted = await app.inject({ method: 'DELETE', url: '/api/admin/patients/pipl-1', headers: { authorization: `Bearer ${token}` } })
    expect(deleted.json()).toEqual({ transcriptEntries: 4, tickets: 1 })
    expect((await app.inject({ method: 'GET', url: '/api/admin/patients/pipl-1/export', headers: { authorization: `Bearer ${token}` } })).json().transcript).toEqual([])
    const ticket = await app.stores.tickets.get(handoff.handoff!.ticketId)
    expect(ticket).toMatchObject({ sessionId: 'forgotten', detail: {} })
    // Gone from the disk too, not only from memory.
    const { readFileSync } = await import('node:fs')
    expect(readFileSync(`${app.stores.dataDir}/journal.ndjson`, 'utf8')).not.toContain('13912345678')
  })
})
