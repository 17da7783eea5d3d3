import type { FastifyInstance } from 'fastify'
import type WebSocket from 'ws'
import { afterEach, describe, expect, it } from 'vitest'
import type { Config } from '../../src/config.js'
import { rateLimits, testApp } from '../helpers.js'

// Issue 17, hole 2: loopback (the documented reverse proxy) was exempt from the per-IP limit and
// X-Forwarded-For was ignored; a new session id reset the per-session limit; one WebSocket got 9,000
// answers in 1 s, and one client opened 200 tickets in 0.5 s.
let app: FastifyInstance | undefined
afterEach(async () => {
  await app?.close()
  app = undefined
})
const start = async (overrides: Partial<Config>) => {
  app = await testApp(overrides)
  return app
}
const post = (
  sessionId: string,
  text: string,
  headers: Record<string, string> = {},
  remoteAddress?: string,
) =>
  app!.inject({
    method: 'POST',
    url: '/api/chat',
    payload: { sessionId, text },
    headers,
    ...(remoteAddress ? { remoteAddress } : {}),
  })

async function socket(url: string) {
  const frames: any[] = []
  let closed: number | undefined
  const ws: WebSocket = await app!.injectWS(
    url,
    // An injected upgrade has no socket of its own: it comes from this address.
    { socket: { remoteAddress: '10.6.0.1' } } as object,
    {
      onInit: (s) => {
        s.on('message', (d) => frames.push(JSON.parse(String(d))))
        s.on('close', (code) => (closed = code))
      },
    },
  )
  return { ws, frames, closed: () => closed }
}

describe('per real client IP', () => {
  it('behind a trusted proxy, each patient is limited by the address X-Forwarded-For names', async () => {
    await start({ trustProxy: ['127.0.0.1'], rateLimit: rateLimits({ perIpPerMinute: 2 }) })
    const from = (ip: string, i: number) =>
      post(`xff-${ip}-${i}`, '你好', { 'x-forwarded-for': ip }, '127.0.0.1')
    expect((await from('203.0.113.5', 1)).statusCode).toBe(200)
    expect((await from('203.0.113.5', 2)).statusCode).toBe(200)
    const third = await from('203.0.113.5', 3)
    expect(third.statusCode).toBe(429)
    expect(third.json().error.code).toBe('ND_RATE_LIMITED')
    // Another patient behind the same proxy is not held back by the first.
    expect((await from('203.0.113.6', 1)).statusCode).toBe(200)
  })

  it('without TRUST_PROXY, X-Forwarded-For is not believed and loopback is limited like any address', async () => {
    await start({ rateLimit: rateLimits({ perIpPerMinute: 2 }) })
    const spoof = (i: number) =>
      post(`lo-${i}`, '你好', { 'x-forwarded-for': `198.51.100.${i}` }, '127.0.0.1')
    expect((await spoof(1)).statusCode).toBe(200)
    expect((await spoof(2)).statusCode).toBe(200)
    expect((await spoof(3)).statusCode).toBe(429)
  })

  it('WebSocket frames count against the same per-IP limit, and a flood gets one error, not answers', async () => {
    await start({ rateLimit: rateLimits({ perIpPerMinute: 5 }) })
    const { ws, frames } = await socket('/ws')
    for (let i = 0; i < 50; i++) ws.send(JSON.stringify({ type: 'ping' }))
    await expect.poll(() => frames.find((f) => f.type === 'error')?.error.code).toBe('ND_RATE_LIMITED')
    // The upgrade request was one of the 5.
    expect(frames.filter((f) => f.type === 'pong')).toHaveLength(4)
    expect(frames.filter((f) => f.type === 'error')).toHaveLength(1)
    ws.terminate()
  })

  it('caps open WebSockets per IP', async () => {
    await start({ rateLimit: rateLimits({ socketsPerIp: 2 }) })
    const open = [await socket('/ws'), await socket('/ws')]
    await expect(socket('/ws')).rejects.toThrow(/429/)
    open[0]!.ws.terminate()
    // A closed socket frees its place.
    await expect
      .poll(() =>
        socket('/ws').then(
          (s) => {
            s.ws.terminate()
            return true
          },
          () => false,
        ),
      )
      .toBe(true)
    open[1]!.ws.terminate()
  })
})

describe('new conversations and tickets per IP and hour', () => {
  it('a new session id no longer escapes the limits: the 4th new conversation of the hour is refused', async () => {
    await start({ rateLimit: rateLimits({ sessionsPerIpPerHour: 3 }) })
    const tokens: string[] = []
    for (let i = 0; i < 3; i++) {
      const res = await post(`cap-s-${i}`, '心内科在几楼', {}, '10.7.0.1')
      expect(res.statusCode).toBe(200)
      tokens.push(res.json().sessionToken)
    }
    const refused = await post('cap-s-3', '心内科在几楼', {}, '10.7.0.1')
    expect(refused.statusCode).toBe(429)
    expect(refused.json().error.code).toBe('ND_TOO_MANY_SESSIONS')
    expect(await app!.stores.sessions.get('cap-s-3')).toBeUndefined()
    // Conversations already started go on; another address is not affected.
    expect(
      (await post('cap-s-0', '那骨科呢', { 'x-session-token': tokens[0]! }, '10.7.0.1')).statusCode,
    ).toBe(200)
    expect((await post('cap-s-other', '心内科在几楼', {}, '10.7.0.2')).statusCode).toBe(200)
    // An emergency beyond the cap is still told to call 120, and reaches a person at once.
    const er = await post('cap-s-er', '我爸突然胸口剧痛，喘不上气', {}, '10.7.0.1')
    expect(er.statusCode).toBe(200)
    expect(er.json().reply).toContain('120')
    expect(er.json().handoff).toMatchObject({ priority: 'urgent' })
  })

  it('a handoff flood opens the cap in tickets and reaches the agents as one alert', async () => {
    await start({ rateLimit: rateLimits({ handoffsPerIpPerHour: 3, perIpPerMinute: 1000 }) })
    const events: any[] = []
    await app!.stores.events.subscribe('queue', (e) => events.push(e))
    const statuses: number[] = []
    for (let i = 0; i < 20; i++) {
      const res = await post(`flood-${i}`, '转人工', {}, '10.8.0.1')
      statuses.push(res.statusCode)
      if (res.statusCode === 429) expect(res.json().error.code).toBe('ND_TOO_MANY_HANDOFFS')
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(3)
    expect(statuses.filter((s) => s === 429)).toHaveLength(17)
    expect(await app!.stores.tickets.list()).toHaveLength(3)
    await expect.poll(() => events.filter((e) => e.type === 'alert')).toHaveLength(1)
    expect(events.find((e) => e.type === 'alert')).toMatchObject({
      kind: 'handoff_flood',
      ip: '10.8.0.1',
      limit: 3,
    })
    // An emergency from that address is never capped: 120 and its urgent ticket (rule 1).
    const er = await post('flood-er', '我妈晕倒了叫不醒', {}, '10.8.0.1')
    expect(er.statusCode).toBe(200)
    expect(er.json()).toMatchObject({ action: 'handoff', handoff: { priority: 'urgent' } })
    expect(er.json().reply).toContain('120')
    expect(await app!.stores.tickets.list()).toHaveLength(4)
    expect(events.filter((e) => e.type === 'alert')).toHaveLength(1)
    // Another address still reaches a person.
    expect((await post('flood-other', '转人工', {}, '10.8.0.2')).json().action).toBe('handoff')
  })
})
