import vm from 'node:vm'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chat, rateLimits, testApp } from '../helpers.js'

let app: FastifyInstance
beforeAll(async () => {
  app = await testApp()
})
afterAll(async () => {
  await app?.close()
})

describe('POST /api/chat', () => {
  it('answers a basic question with the contract fields', async () => {
    const body = await chat(app, 's-basic', '心内科在几楼')
    expect(body).toMatchObject({ action: 'answer', intent: 'place_location', handoff: null })
    expect(body.reply).toContain('2楼')
    expect(body.confidence).toBeGreaterThan(0)
    expect(body.confidence).toBeLessThanOrEqual(1)
    expect(Array.isArray(body.suggestions)).toBe(true)
  })

  it('follows up on the previous turn of the same session', async () => {
    await chat(app, 's-follow', '心内科在几楼')
    const next = await chat(app, 's-follow', '那消化内科呢')
    expect(next.action).toBe('answer')
    expect(next.reply).toContain('消化内科')
    expect(next.reply).toContain('2楼')
  })

  it('sends an emergency to 120 and an urgent handoff in the same reply', async () => {
    const body = await chat(app, 's-er', '我爸突然胸口剧痛，喘不上气')
    expect(body.action).toBe('handoff')
    expect(body.handoff).toMatchObject({ reason: 'emergency', priority: 'urgent' })
    expect(body.reply).toContain('120')
    expect(body.reply).toContain('急诊楼1楼')
  })

  it('keeps a handed-off conversation with the person, same ticket', async () => {
    const first = await chat(app, 's-human', '转人工')
    expect(first.handoff).toMatchObject({ reason: 'human_requested', priority: 'normal' })
    const ticket = await app.stores.tickets.get(first.handoff!.ticketId)
    expect(ticket).toMatchObject({ sessionId: 's-human', status: 'queued', reason: 'human_requested' })
    const later = await chat(app, 's-human', '心内科在几楼')
    expect(later.action).toBe('handoff')
    expect(later.handoff?.ticketId).toBe(first.handoff!.ticketId)
    expect(later.reply).toContain(first.handoff!.ticketId)
    const transcript = await app.stores.transcripts.list('s-human')
    expect(transcript.map((e) => e.role)).toEqual(['patient', 'bot', 'patient', 'bot'])
  })

  it('raises a waiting ticket to urgent when an emergency follows', async () => {
    const first = await chat(app, 's-escalate', '转人工')
    const er = await chat(app, 's-escalate', '我妈晕倒了叫不醒')
    expect(er.handoff).toMatchObject({ ticketId: first.handoff!.ticketId, priority: 'urgent' })
    expect(er.reply).toContain('120')
    expect((await app.stores.tickets.get(first.handoff!.ticketId))?.priority).toBe('urgent')
  })

  it('keeps the callback number when an emergency raises the ticket', async () => {
    const first = await chat(app, 's-callback-raise', '我要投诉，护士态度太差了')
    const opened = (await app.stores.tickets.get(first.handoff!.ticketId))!
    expect(opened.detail.level).toBeDefined()
    await chat(app, 's-callback-raise', '请打我电话 13912345678')
    await chat(app, 's-callback-raise', '我妈晕倒了叫不醒')
    const raised = (await app.stores.tickets.get(first.handoff!.ticketId))!
    expect(raised).toMatchObject({ priority: 'urgent', reason: 'complaint' })
    // The emergency's words are what the agent reads first; what the complaint said beside them stays.
    expect(raised.detail).toMatchObject({
      callbackPhone: '13912345678',
      escalatedFrom: opened.priority,
      category: 'consciousness',
      level: opened.detail.level,
    })
  })

  it('never answers a medical question from the FAQ', async () => {
    const body = await chat(app, 's-med', '发烧38度5吃什么药好')
    expect(['fallback', 'handoff']).toContain(body.action)
    expect(body.reply).toMatch(/医生|人工/)
  })

  it('uses the request clock for "now" questions', async () => {
    const night = await chat(app, 's-clock', '现在哪里能拿药', '2026-11-24T01:00:00+08:00')
    expect(night.reply).toContain('急诊药房')
    expect(night.reply).toMatch(/现在（周二 01:00）/)
  })

  it('says which of several places are open now in one reply, the clock once, each with its hours', async () => {
    const res = await chat(app, 's-pharmacies', '现在药房开着吗', '2026-11-24T03:49:00+08:00')
    expect(res.reply.match(/现在（周二 03:49）/g)).toHaveLength(1)
    expect(res.reply).toMatch(/开放的是：急诊药房在急诊楼1楼（24小时开放）/)
    for (const closed of [
      '门诊西药房在门诊楼1楼（每天 8:00-17:30）',
      '中药房在门诊楼2楼西侧（每天 8:00-17:00）',
    ]) {
      expect(res.reply).toContain(closed)
    }
    expect(res.reply).toContain('此时不开放')
  })
})

describe('bad input gets a clear 4xx, never a crash', () => {
  const post = (payload: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
    app.inject({
      method: 'POST',
      url: '/api/chat',
      payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
      headers,
    })

  it.each([
    ['missing text', { sessionId: 'a' }, 'text'],
    ['empty text', { sessionId: 'a', text: '' }, 'text'],
    ['oversized text', { sessionId: 'a', text: '问'.repeat(2001) }, 'text'],
    ['missing sessionId', { text: '你好' }, 'sessionId'],
    ['long sessionId', { sessionId: 'x'.repeat(129), text: '你好' }, 'sessionId'],
    ['wrong type', { sessionId: 'a', text: 42 }, 'text'],
    ['bad channel', { sessionId: 'a', text: '你好', channel: 'fax' }, 'channel'],
    ['bad clock', { sessionId: 'a', text: '你好', now: 'yesterday' }, 'now'],
  ])('400 for %s', async (_name, payload, field) => {
    const res = await post(payload)
    expect(res.statusCode).toBe(400)
    expect(res.json().error.code).toBe('ND_INVALID_REQUEST')
    expect(res.json().error.message).toContain(field)
  })

  it('400 for a message of only spaces', async () => {
    const res = await post({ sessionId: 'a', text: '   ' })
    expect(res.statusCode).toBe(400)
    expect(res.json().error.code).toBe('ND_EMPTY_TEXT')
  })

  it('400 for malformed JSON and 413 for a body over the limit', async () => {
    const bad = await post('{"sessionId": "a", "text": ')
    expect(bad.statusCode).toBe(400)
    expect(bad.json().error.code).toBe('ND_INVALID_JSON')
    const big = await post({ sessionId: 'a', text: 'x', pad: 'y'.repeat(20_000) })
    expect(big.statusCode).toBe(413)
    expect(big.json().error.code).toBe('ND_BODY_TOO_LARGE')
  })

  it('415 for a body that is not JSON', async () => {
    const res = await post('sessionId=a&text=hi', { 'content-type': 'application/x-www-form-urlencoded' })
    expect(res.statusCode).toBe(415)
    expect(res.json().error.code).toBe('ND_UNSUPPORTED_MEDIA_TYPE')
  })

  it('404 with a hint for an unknown route', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/nothing' })
    expect(res.statusCode).toBe(404)
    expect(res.json().error.message).toContain('openapi')
  })
})

describe('service routes', () => {
  it('reports health once the classifier is trained', async () => {
    const res = await app.inject({ method: 'GET', url: '/healthz' })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ status: 'ok', storage: 'embedded', languages: ['zh'] })
  })

  it("serves the widget with every language's words from intents/<code>/language.yaml", async () => {
    const res = await app.inject({ method: 'GET', url: '/widget.js' })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toMatch(/^application\/javascript/)
    expect(res.body).toContain('"open":"在线咨询"')
    expect(res.body).toContain('"open":"Chat with us"')
    expect(() => new vm.Script(res.body)).not.toThrow()
    const again = await app.inject({
      method: 'GET',
      url: '/widget.js',
      headers: { 'if-none-match': String(res.headers.etag) },
    })
    expect(again.statusCode).toBe(304)
  })

  it('serves an OpenAPI description of the chat API', async () => {
    const spec = (await app.inject({ method: 'GET', url: '/openapi.json' })).json()
    expect(spec.openapi).toMatch(/^3\./)
    expect(spec.paths['/api/chat'].post.requestBody.content['application/json'].schema.required).toEqual([
      'sessionId',
      'text',
    ])
  })
})

describe('rate limits', () => {
  it('429 with a message a person can act on when one conversation sends too fast', async () => {
    const limited = await testApp({
      rateLimit: rateLimits({ perIpPerMinute: 1000, perSessionPerMinute: 3 }),
    })
    try {
      let token = ''
      const send = async () => {
        const res = await limited.inject({
          method: 'POST',
          url: '/api/chat',
          headers: token ? { 'x-session-token': token } : {},
          payload: { sessionId: 'fast', text: '你好' },
        })
        token = res.json().sessionToken ?? token
        return res
      }
      for (let i = 0; i < 3; i++) expect((await send()).statusCode).toBe(200)
      const res = await send()
      expect(res.statusCode).toBe(429)
      expect(res.json().error).toMatchObject({ code: 'ND_RATE_LIMITED' })
      expect(res.json().error.message).toMatch(/wait \d+ seconds/)
    } finally {
      await limited.close()
    }
  })

  it('429 per IP', async () => {
    const limited = await testApp({
      rateLimit: rateLimits({ perIpPerMinute: 2, perSessionPerMinute: 100 }),
    })
    try {
      const send = (i: number) =>
        limited.inject({
          method: 'POST',
          url: '/api/chat',
          payload: { sessionId: `ip-${i}`, text: '你好' },
          remoteAddress: '10.1.2.3',
        })
      expect((await send(1)).statusCode).toBe(200)
      expect((await send(2)).statusCode).toBe(200)
      const res = await send(3)
      expect(res.statusCode).toBe(429)
      expect(res.json().error.code).toBe('ND_RATE_LIMITED')
    } finally {
      await limited.close()
    }
  })
})
