import { randomBytes } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { buildApp } from '../../src/app.js'
import { createAccount } from '../../src/auth/accounts.js'
import { oaSession } from '../../src/channels/wechat-oa/channel.js'
import { agentReply, signIn, testConfig } from '../helpers.js'
import { describeWithRedis, dropKeys, REDIS_URL } from '../redis-available.js'
import {
  APP_ID,
  APP_SECRET,
  TOKEN,
  fakeWechat,
  passiveReply,
  postPlain,
  textMessage,
  type FakeWechat,
} from './fake-wechat.js'

await describeWithRedis('WeChat official account on two instances sharing Redis', () => {
  const prefix = `nd-oa-${randomBytes(4).toString('hex')}:`
  let fake: FakeWechat
  let a: FastifyInstance
  let b: FastifyInstance

  beforeAll(async () => {
    fake = await fakeWechat()
    const config = () =>
      testConfig({
        redisUrl: REDIS_URL,
        redisPrefix: prefix,
        wechatOa: {
          token: TOKEN,
          appId: APP_ID,
          appSecret: APP_SECRET,
          apiBase: fake.url,
          replyDeadlineMs: 4500,
        },
      })
    const never = () => new Promise<void>(() => undefined)
    a = await buildApp(config(), { logger: false, wechatOaDeadline: never })
    b = await buildApp(config(), { logger: false, wechatOaDeadline: never })
    await a.ready()
    await b.ready()
  })
  afterAll(async () => {
    await a?.close()
    await b?.close()
    await fake?.close()
    await dropKeys(prefix)
  })

  it('answers a message WeChat retried to the other instance once: one turn, one ticket', async () => {
    const openid = 'oTwoInstances001'
    const xml = textMessage(openid, '我要投诉，等了两个小时没人管', '7000000000000000090')
    const replies = await Promise.all([postPlain(a, xml), postPlain(b, xml), postPlain(a, xml)])
    const answered = replies.map((r) => passiveReply(r)?.Content).filter(Boolean)
    expect(answered.length).toBeGreaterThan(0)
    expect(new Set(answered).size).toBe(1)
    const transcript = await a.stores.transcripts.list(oaSession(openid))
    expect(transcript.filter((e) => e.role === 'patient')).toHaveLength(1)
    expect((await a.stores.tickets.list()).filter((t) => t.sessionId === oaSession(openid))).toHaveLength(1)
  })

  it('sends an agent’s reply once, though every instance hears it', async () => {
    const openid = 'oTwoInstances001'
    const [ticket] = (await a.stores.tickets.list()).filter((t) => t.sessionId === oaSession(openid))
    await createAccount(a.stores.agents, {
      username: 'oa.multi',
      password: 'oa-multi-night-2026',
      role: 'agent',
    })
    const auth = await signIn(b, 'oa.multi', 'oa-multi-night-2026')
    await b.inject({ method: 'POST', url: `/api/agent/tickets/${ticket!.id}/claim`, headers: auth })
    const res = await agentReply(b, auth, ticket!.id, '您好，我是值班护士，马上为您处理。')
    expect(res.statusCode).toBe(200)
    await expect.poll(() => fake.sent.filter((m) => m.touser === openid)).toHaveLength(1)
    // Each instance hears its events in order: by the time the second reply is out, a second copy of
    // the first would have been sent too, had the claim let it.
    await agentReply(b, auth, ticket!.id, '请问您现在在哪个科室？')
    await expect
      .poll(() => fake.sent.filter((m) => m.touser === openid).map((m) => m.content))
      .toContain('请问您现在在哪个科室？')
    expect(fake.sent.filter((m) => m.content === '您好，我是值班护士，马上为您处理。')).toHaveLength(1)
    // Both instances share one access token.
    expect(fake.tokenRequests).toBe(1)
  })
})
