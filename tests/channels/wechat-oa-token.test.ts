import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WechatApi } from '../../src/channels/wechat-oa/api.js'
import { memoryState, redisState, type OaSharedState } from '../../src/channels/wechat-oa/shared-state.js'
import { describeWithRedis, dropKeys, REDIS_URL } from '../redis-available.js'
import { APP_ID, APP_SECRET, fakeWechat, type FakeWechat } from './fake-wechat.js'

const T0 = Date.parse('2026-11-20T15:00:00Z')
const MINUTE = 60_000

/** The access token, as WeChat's rules ask: cached, refreshed before it expires, one refresh at a time. */
describe('WeChat access token', () => {
  let fake: FakeWechat
  beforeAll(async () => {
    fake = await fakeWechat(7200)
  })
  afterAll(async () => {
    await fake?.close()
  })

  const api = (state: OaSharedState, now: () => number) =>
    new WechatApi({ apiBase: fake.url, appId: APP_ID, appSecret: APP_SECRET, state, now })

  it('asks WeChat once for many callers at the same time (single-flight)', async () => {
    const now = () => T0
    const client = api(memoryState(now), now)
    const before = fake.tokenRequests
    const release = fake.holdTokens()
    const callers = Array.from({ length: 8 }, () => client.accessToken())
    await expect.poll(() => fake.tokenRequests).toBe(before + 1)
    release()
    expect(new Set(await Promise.all(callers))).toEqual(new Set([fake.currentToken()]))
    expect(fake.tokenRequests).toBe(before + 1)
  })

  it('keeps the token until its last 5 minutes, then refreshes it before it expires', async () => {
    let at = T0
    const now = () => at
    const client = api(memoryState(now), now)
    const before = fake.tokenRequests
    const first = await client.accessToken()
    at = T0 + 114 * MINUTE // 6 minutes left: still the cached one
    expect(await client.accessToken()).toBe(first)
    expect(fake.tokenRequests).toBe(before + 1)
    fake.rotate()
    at = T0 + 116 * MINUTE // 4 minutes left: stable_token hands out the next one now
    expect(await client.accessToken()).toBe(fake.currentToken())
    expect(fake.tokenRequests).toBe(before + 2)
  })
})

await describeWithRedis('WeChat access token shared through Redis', () => {
  const prefix = `nd-test-oa-${process.pid}-${Date.now()}:`
  let fake: FakeWechat
  const connections: Redis[] = []
  beforeAll(async () => {
    fake = await fakeWechat(7200)
  })
  afterAll(async () => {
    for (const r of connections) r.disconnect()
    await fake?.close()
    await dropKeys(prefix)
  })

  // Each "instance" has its own connection and its own in-process cache, as separate servers would.
  const instance = () => {
    const redis = new Redis(REDIS_URL)
    connections.push(redis)
    const now = () => T0
    return new WechatApi({
      apiBase: fake.url,
      appId: APP_ID,
      appSecret: APP_SECRET,
      state: redisState(redis, prefix),
      now,
    })
  }

  it('lets one instance refresh while the others wait for the token it saves', async () => {
    const [a, b, c] = [instance(), instance(), instance()]
    const release = fake.holdTokens()
    const callers = [a.accessToken(), b.accessToken(), c.accessToken()]
    await expect.poll(() => fake.tokenRequests).toBe(1)
    release()
    expect(new Set(await Promise.all(callers))).toEqual(new Set([fake.currentToken()]))
    // A fourth instance started later takes the shared token without asking WeChat.
    expect(await instance().accessToken()).toBe(fake.currentToken())
    expect(fake.tokenRequests).toBe(1)
  })

  it('claims a message for one instance only', async () => {
    const [a, b] = [redisState(new Redis(REDIS_URL), prefix), redisState(new Redis(REDIS_URL), prefix)]
    expect(await a.claim('msg:7000000000000000099', 60_000)).toBe(true)
    expect(await b.claim('msg:7000000000000000099', 60_000)).toBe(false)
    await a.close()
    await b.close()
  })
})
