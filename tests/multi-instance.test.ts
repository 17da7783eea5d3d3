import { once } from 'node:events'
import { randomBytes } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import WebSocket from 'ws'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { buildApp } from '../src/app.js'
import { createAccount } from '../src/auth/accounts.js'
import { chat, rateLimits, testConfig } from './helpers.js'
import { describeWithRedis, dropKeys, REDIS_URL } from './redis-available.js'

await describeWithRedis('two instances on one Redis', () => {
  const prefix = `nd-multi-${randomBytes(4).toString('hex')}:`
  let a: FastifyInstance
  let b: FastifyInstance
  let aUrl: string

  beforeAll(async () => {
    const config = () => testConfig({ redisUrl: REDIS_URL, redisPrefix: prefix })
    a = await buildApp(config(), { logger: false })
    b = await buildApp(config(), { logger: false })
    await a.listen({ host: '127.0.0.1', port: 0 })
    // Every language trained now, not a second later in the middle of a timed step.
    await a.brain().warm()
    await b.ready()
    const addr = a.server.address()
    aUrl = `ws://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`
    await createAccount(a.stores.agents, {
      username: 'multi.agent',
      password: 'multi-night-2026',
      role: 'agent',
    })
  })
  afterAll(async () => {
    await a?.close()
    await b?.close()
    await dropKeys(prefix)
  })

  const login = async (app: FastifyInstance) =>
    (
      await app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { username: 'multi.agent', password: 'multi-night-2026' },
      })
    ).json().token as string

  it('a knowledge version published on B goes live on A within a second', async () => {
    await createAccount(b.stores.agents, {
      username: 'multi.admin',
      password: 'multi-admin-2026',
      role: 'admin',
    })
    const token = (
      await b.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { username: 'multi.admin', password: 'multi-admin-2026' },
      })
    ).json().token
    const auth = { authorization: `Bearer ${token}` }
    const places = structuredClone(
      (await b.inject({ method: 'GET', url: '/api/admin/knowledge', headers: auth })).json().draft.source
        .places,
    ) as Array<Record<string, unknown>>
    places.find((p) => p.id === 'orthopedics')!.floor = 8
    expect(
      (
        await b.inject({
          method: 'PUT',
          url: '/api/admin/knowledge/draft/places',
          headers: auth,
          payload: { value: places },
        })
      ).statusCode,
    ).toBe(200)
    expect(
      (await b.inject({ method: 'POST', url: '/api/admin/knowledge/publish', headers: auth, payload: {} }))
        .statusCode,
    ).toBe(200)
    // The other instance picks the new version up from Redis; how fast is measured by `npm run bench`.
    let asked = 0
    await expect.poll(async () => (await chat(a, `multi-kb-${++asked}`, '骨科在几楼')).reply).toContain('8楼')
  })

  it('a patient on A, an agent on B: the reply reaches the patient; a claim on B blocks A; A dying loses nothing', async () => {
    const patient = new WebSocket(`${aUrl}/ws?sessionId=multi-patient`)
    const received: Array<{
      type: string
      text?: string
      handoff?: { ticketId: string }
      sessionToken?: string
    }> = []
    patient.on('message', (d) => received.push(JSON.parse(String(d))))
    await once(patient, 'open')
    patient.send(JSON.stringify({ type: 'message', text: '转人工' }))
    await expect.poll(() => received.find((m) => m.type === 'reply')).toBeDefined()
    const handoff = received.find((m) => m.type === 'reply')!
    const id = handoff.handoff!.ticketId

    const tokenB = await login(b)
    const tokenA = await login(a)
    const queueB = (
      await b.inject({
        method: 'GET',
        url: '/api/agent/queue',
        headers: { authorization: `Bearer ${tokenB}` },
      })
    ).json().tickets
    expect(queueB.map((t: { id: string }) => t.id)).toContain(id)

    const [onB, onA] = await Promise.all([
      b.inject({
        method: 'POST',
        url: `/api/agent/tickets/${id}/claim`,
        headers: { authorization: `Bearer ${tokenB}` },
      }),
      a.inject({
        method: 'POST',
        url: `/api/agent/tickets/${id}/claim`,
        headers: { authorization: `Bearer ${tokenA}` },
      }),
    ])
    expect([onA.statusCode, onB.statusCode].sort()).toEqual([200, 409])
    const winner = onB.statusCode === 200 ? { app: b, token: tokenB } : { app: a, token: tokenA }
    // The same agent account is signed in on both instances; the reply goes out from B either way.
    const reply = await b.inject({
      method: 'POST',
      url: `/api/agent/tickets/${id}/reply`,
      headers: { authorization: `Bearer ${winner.token}` },
      payload: { text: '您好，我是值班护士' },
    })
    expect(reply.statusCode).toBe(200)
    await expect.poll(() => received.find((m) => m.type === 'agent')?.text).toBe('您好，我是值班护士')
    patient.close()

    // A goes away; B still has the ticket and the whole transcript, and the conversation continues.
    await a.close()
    const view = (
      await b.inject({
        method: 'GET',
        url: `/api/agent/tickets/${id}`,
        headers: { authorization: `Bearer ${tokenB}` },
      })
    ).json()
    expect(view.transcript.map((e: { role: string }) => e.role)).toEqual(['patient', 'bot', 'agent'])
    const later = await b.inject({
      method: 'POST',
      url: '/api/chat',
      headers: { 'x-session-token': handoff.sessionToken! },
      payload: { sessionId: 'multi-patient', text: '还在吗' },
    })
    expect(later.json().handoff?.ticketId).toBe(id)
  })

  it('counts one per-IP limit across instances', async () => {
    const limited = () =>
      testConfig({
        redisUrl: REDIS_URL,
        redisPrefix: `${prefix}rl-`,
        rateLimit: rateLimits({ perIpPerMinute: 6, perSessionPerMinute: 30 }),
      })
    const [x, y] = [
      await buildApp(limited(), { logger: false }),
      await buildApp(limited(), { logger: false }),
    ]
    try {
      const send = (app: FastifyInstance, i: number) =>
        app.inject({
          method: 'POST',
          url: '/api/chat',
          remoteAddress: '10.1.2.3',
          payload: { sessionId: `rl-${i}`, text: '心内科在几楼' },
        })
      const statuses = [] as number[]
      for (let i = 0; i < 8; i++) statuses.push((await send(i % 2 ? y : x, i)).statusCode)
      expect(statuses.filter((s) => s === 200)).toHaveLength(6)
      expect(statuses.slice(6)).toEqual([429, 429])
    } finally {
      await x.close()
      await y.close()
    }
  })

  it("counts one conversation's messages and one account's wrong passwords from an address across instances", async () => {
    const limited = () =>
      testConfig({
        redisUrl: REDIS_URL,
        redisPrefix: `${prefix}rs-`,
        rateLimit: rateLimits({ perIpPerMinute: 1000, perSessionPerMinute: 4 }),
      })
    const [x, y] = [
      await buildApp(limited(), { logger: false }),
      await buildApp(limited(), { logger: false }),
    ]
    try {
      const statuses = [] as number[]
      let token = ''
      for (let i = 0; i < 6; i++) {
        const res = await (i % 2 ? y : x).inject({
          method: 'POST',
          url: '/api/chat',
          headers: token ? { 'x-session-token': token } : {},
          payload: { sessionId: 'rs-one', text: '心内科在几楼' },
        })
        token = res.json().sessionToken ?? token
        statuses.push(res.statusCode)
      }
      expect(statuses).toEqual([200, 200, 200, 200, 429, 429])
      // Wrong passwords for one account from one address, alternating instances: the 11th is refused
      // on either; the same account from other addresses is never locked by them.
      const tries = [] as number[]
      for (let i = 0; i < 12; i++) {
        tries.push(
          (
            await (i % 2 ? y : x).inject({
              method: 'POST',
              url: '/api/auth/login',
              remoteAddress: '10.9.0.1',
              payload: { username: 'nobody', password: `guess-${i}` },
            })
          ).statusCode,
        )
      }
      expect(tries.slice(0, 10).every((s) => s === 401)).toBe(true)
      expect(tries.slice(10)).toEqual([429, 429])
      const elsewhere = await y.inject({
        method: 'POST',
        url: '/api/auth/login',
        remoteAddress: '10.9.0.2',
        payload: { username: 'nobody', password: 'guess-elsewhere' },
      })
      expect(elsewhere.statusCode).toBe(401)
    } finally {
      await x.close()
      await y.close()
    }
  })
})
