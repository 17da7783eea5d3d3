import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chat, testApp } from '../helpers.js'

let app: FastifyInstance
let admin: string
beforeAll(async () => {
  app = await testApp({ admin: { username: 'chief', password: 'night-shift-2026' } })
  admin = (await login('chief', 'night-shift-2026')).token
})
afterAll(async () => {
  await app?.close()
})

async function login(username: string, password: string) {
  const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password } })
  if (res.statusCode !== 200) throw new Error(`login ${res.statusCode} ${res.body}`)
  return res.json() as { token: string; agent: { id: string; role: string } }
}
const as = (token: string) => ({ authorization: `Bearer ${token}` })
const call = (token: string, method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) =>
  app.inject({ method, url, headers: as(token), ...(payload ? { payload } : {}) })

describe('agents and admins', () => {
  it('creates the first admin from the environment and lets an admin add agents', async () => {
    const res = await call(admin, 'POST', '/api/admin/agents', {
      username: 'nurse.wang',
      displayName: '王护士',
      password: 'wang-2026-night',
      role: 'agent',
    })
    expect(res.statusCode).toBe(201)
    expect(res.json()).not.toHaveProperty('passwordHash')
    const weak = await call(admin, 'POST', '/api/admin/agents', {
      username: 'nurse.zhao',
      password: '1234567890',
      role: 'agent',
    })
    expect(weak.statusCode).toBe(400)
    expect(weak.json().error.message).toMatch(/mix letters/)
  })

  it('rejects a wrong password, a missing token and the wrong role', async () => {
    const bad = await app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { username: 'chief', password: 'guess-guess-1' },
    })
    expect(bad.statusCode).toBe(401)
    expect(bad.json().error.code).toBe('ND_BAD_CREDENTIALS')
    expect((await app.inject({ method: 'GET', url: '/api/agent/queue' })).statusCode).toBe(401)
    expect((await call('not-a-token', 'GET', '/api/agent/queue')).statusCode).toBe(401)
    const agent = await login('nurse.wang', 'wang-2026-night')
    const denied = await call(agent.token, 'POST', '/api/admin/agents', {
      username: 'x.y.z',
      password: 'abcdefgh-123',
      role: 'admin',
    })
    expect(denied.statusCode).toBe(403)
  })

  it('signs out: the token stops working', async () => {
    const { token } = await login('nurse.wang', 'wang-2026-night')
    expect((await call(token, 'POST', '/api/auth/logout')).statusCode).toBe(200)
    expect((await call(token, 'GET', '/api/agent/me')).statusCode).toBe(401)
  })
})

describe('working a handed-off conversation', () => {
  it('queues most urgent first, claims once, replies into the patient conversation, hands back', async () => {
    const normal = await chat(app, 'p-normal', '转人工')
    const urgent = await chat(app, 'p-urgent', '我爸胸口剧痛喘不上气')
    const { token, agent } = await login('nurse.wang', 'wang-2026-night')
    const queue = (await call(token, 'GET', '/api/agent/queue')).json().tickets as Array<{
      id: string
      priority: string
      clocks: Array<{ name: string }>
    }>
    const ids = queue.map((t) => t.id)
    expect(ids.indexOf(urgent.handoff!.ticketId)).toBeLessThan(ids.indexOf(normal.handoff!.ticketId))
    expect(queue.find((t) => t.id === urgent.handoff!.ticketId)?.clocks.map((c) => c.name)).toContain(
      'firstResponse',
    )

    const id = urgent.handoff!.ticketId
    const [a, b] = await Promise.all([
      call(token, 'POST', `/api/agent/tickets/${id}/claim`),
      call(admin, 'POST', `/api/agent/tickets/${id}/claim`),
    ])
    expect([a.statusCode, b.statusCode].sort()).toEqual([200, 409])
    const winner = a.statusCode === 200 ? token : admin
    const loser = winner === token ? admin : token
    expect((await call(loser, 'POST', `/api/agent/tickets/${id}/reply`, { text: '我也来' })).statusCode).toBe(
      403,
    )

    const view = (await call(winner, 'GET', `/api/agent/tickets/${id}`)).json()
    expect(view.transcript[0]).toMatchObject({ role: 'patient', text: '我爸胸口剧痛喘不上气' })
    expect(view.transcript[1].reason).toBe('emergency')

    const before = new Date(app.clock().getTime() - 1000).toISOString()
    expect(
      (
        await call(winner, 'POST', `/api/agent/tickets/${id}/reply`, {
          text: '请马上拨打120，我们已通知急诊。',
        })
      ).json().firstResponseAt,
    ).toBeTruthy()
    const polled = (
      await app.inject({
        method: 'GET',
        url: `/api/chat/p-urgent/messages?after=${before}`,
        headers: { 'x-session-token': urgent.sessionToken! },
      })
    ).json()
    expect((await app.inject({ method: 'GET', url: `/api/chat/p-urgent/messages` })).statusCode).toBe(401)
    expect(
      (
        await app.inject({
          method: 'GET',
          url: `/api/chat/p-urgent/messages`,
          headers: { 'x-session-token': normal.sessionToken! },
        })
      ).statusCode,
    ).toBe(401)
    expect(polled.messages).toEqual([
      expect.objectContaining({ role: 'agent', text: '请马上拨打120，我们已通知急诊。' }),
    ])

    expect((await call(winner, 'POST', `/api/agent/tickets/${id}/handback`)).json().status).toBe('resolved')
    const again = await chat(app, 'p-urgent', '心内科在几楼')
    expect(again.action).toBe('answer')
    expect((await call(winner, 'POST', `/api/agent/tickets/${id}/claim`)).statusCode).toBe(409)
    void agent
  })

  it('closes with an outcome, transfers, and rejects what the lifecycle does not allow', async () => {
    const t = (await chat(app, 'p-close', '我要找真人客服')).handoff!.ticketId
    const { token } = await login('nurse.wang', 'wang-2026-night')
    expect((await call(token, 'POST', `/api/agent/tickets/${t}/handback`)).statusCode).toBe(409)
    await call(token, 'POST', `/api/agent/tickets/${t}/claim`)
    const released = await call(token, 'POST', `/api/agent/tickets/${t}/transfer`, {})
    expect(released.json()).toMatchObject({ status: 'queued' })
    const bad = await call(token, 'POST', `/api/agent/tickets/${t}/close`, { outcome: 'whatever' })
    expect(bad.statusCode).toBe(400)
    const closed = await call(token, 'POST', `/api/agent/tickets/${t}/close`, { outcome: 'answered' })
    expect(closed.json()).toMatchObject({ status: 'closed', outcome: 'answered' })
    expect((await call(token, 'GET', '/api/agent/tickets/nope')).statusCode).toBe(404)
  })

  it('tells the patient honestly when nobody is on duty, and keeps a callback number', async () => {
    await app.stores.agents.setPresence(
      (await app.stores.agents.byUsername('nurse.wang'))!.id,
      'offline',
      app.clock().toISOString(),
    )
    await app.stores.agents.setPresence(
      (await app.stores.agents.byUsername('chief'))!.id,
      'offline',
      app.clock().toISOString(),
    )
    const res = await chat(app, 'p-night', '转人工', '2026-11-24T02:00:00+08:00')
    expect(res.reply).toContain('现在没有值班人员在线')
    expect(res.reply).toContain('今天 7:30')
    const saved = await chat(app, 'p-night', '我的电话是 139-1234-5678')
    expect(saved.reply).toContain('139****5678')
    expect((await app.stores.tickets.get(res.handoff!.ticketId))?.detail.callbackPhone).toBe('13912345678')
  })

  it('runs a medical-quality complaint on a 2-hour clock to 医务处, stopped by escalating', async () => {
    const t = (await chat(app, 'p-quality', '医生误诊了，耽误了我妈的病，我要投诉')).handoff!.ticketId
    const { token } = await login('nurse.wang', 'wang-2026-night')
    const clocks = (await call(token, 'GET', `/api/agent/tickets/${t}`)).json().ticket.clocks
    expect(clocks.map((c: { name: string }) => c.name)).toEqual(['firstResponse', 'escalation', 'resolution'])
    const escalated = (await call(token, 'POST', `/api/agent/tickets/${t}/escalate`)).json()
    expect(escalated.detail.escalatedTo).toBe('医务处')
    const after = (await call(token, 'GET', `/api/agent/tickets/${t}`)).json().ticket.clocks
    expect(after.find((c: { name: string }) => c.name === 'escalation')).toMatchObject({
      met: true,
      breached: false,
    })
  })

  it('serves canned replies from the knowledge base', async () => {
    const replies = (await call(admin, 'GET', '/api/agent/canned-replies')).json().replies
    expect(replies.find((r: { id: string }) => r.id === 'emergency').text).toContain('急诊楼1楼')
  })
})

describe('satisfaction 1-5 when a conversation ends', () => {
  it('asks after the person hands back; a low rating opens a follow-up for the office director', async () => {
    const first = await chat(app, 'p-rate-low', '转人工')
    const t = first.handoff!.ticketId
    const { token } = await login('nurse.wang', 'wang-2026-night')
    await call(token, 'POST', `/api/agent/tickets/${t}/claim`)
    await call(token, 'POST', `/api/agent/tickets/${t}/reply`, { text: '您好，请问什么事？' })
    await call(token, 'POST', `/api/agent/tickets/${t}/handback`)
    const polled = (
      await app.inject({
        method: 'GET',
        url: '/api/chat/p-rate-low/messages',
        headers: { 'x-session-token': first.sessionToken! },
      })
    ).json().messages
    expect(polled.at(-1).text).toContain('回复1-5')
    const rated = await chat(app, 'p-rate-low', '2分')
    expect(rated.reply).toContain('科室主任')
    expect((await app.stores.tickets.get(t))?.rating).toBe(2)
    const followUp = (await app.stores.tickets.list()).find(
      (x) => x.reason === 'satisfaction_follow_up' && x.detail.ratedTicket === t,
    )
    expect(followUp).toMatchObject({ owner: '科室主任', priority: 'high', status: 'queued' })
  })

  it('asks after a goodbye; 3 goes to a service specialist, 5 is kept as a good example', async () => {
    await chat(app, 'p-rate-3', '心内科在几楼')
    expect((await chat(app, 'p-rate-3', '好的谢谢')).reply).toContain('回复1-5')
    expect((await chat(app, 'p-rate-3', '三')).reply).toContain('服务专员')
    const t = (await chat(app, 'p-rate-5', '转人工')).handoff!.ticketId
    const { token } = await login('nurse.wang', 'wang-2026-night')
    await call(token, 'POST', `/api/agent/tickets/${t}/claim`)
    await call(token, 'POST', `/api/agent/tickets/${t}/close`, { outcome: 'answered' })
    expect((await chat(app, 'p-rate-5', '5')).reply).toBe('感谢您的评价！')
    expect((await app.stores.tickets.get(t))?.detail.goodExample).toBe(1)
  })

  it('a question instead of a rating is answered as a question', async () => {
    await chat(app, 'p-rate-skip', '谢谢')
    expect((await chat(app, 'p-rate-skip', '心内科在几楼')).reply).toContain('2楼')
  })
})
