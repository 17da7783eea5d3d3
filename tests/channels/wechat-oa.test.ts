import { Writable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.js'
import { createAccount } from '../../src/auth/accounts.js'
import { oaSession } from '../../src/channels/wechat-oa/channel.js'
import { MessageCipher, wechatSignature } from '../../src/channels/wechat-oa/crypto.js'
import { parseWechatXml } from '../../src/channels/wechat-oa/xml.js'
import type { Config } from '../../src/config.js'
import { loggerOptions } from '../../src/logger.js'
import { agentReply, signIn, testClock, testConfig, type TestClock } from '../helpers.js'
import {
  ACCOUNT,
  AES_KEY,
  APP_ID,
  APP_SECRET,
  TOKEN,
  fakeWechat,
  passiveReply,
  postPlain,
  postSafe,
  signedQuery,
  textMessage,
  xmlMessage,
  type FakeWechat,
} from './fake-wechat.js'

const never = () => new Promise<void>(() => undefined)
const passed = () => Promise.resolve()

const oaConfig = (fake: FakeWechat, overrides: Partial<Config> = {}): Config =>
  testConfig({
    wechatOa: {
      token: TOKEN,
      appId: APP_ID,
      appSecret: APP_SECRET,
      aesKey: AES_KEY,
      apiBase: fake.url,
      replyDeadlineMs: 4500,
    },
    admin: { username: 'oa.admin', password: 'oa-admin-night-2026' },
    ...overrides,
  })

const ticketsOf = async (app: FastifyInstance, openid: string) =>
  (await app.stores.tickets.list()).filter((t) => t.sessionId === oaSession(openid))
const patientTurns = async (app: FastifyInstance, openid: string) =>
  (await app.stores.transcripts.list(oaSession(openid))).filter((e) => e.role === 'patient')

/** The hospital's official account answered through its server callback, against a fake WeChat API. */
describe('WeChat official account (服务号 callback)', () => {
  let fake: FakeWechat
  let app: FastifyInstance
  let clock: TestClock
  const cipher = new MessageCipher(AES_KEY, APP_ID)

  beforeAll(async () => {
    fake = await fakeWechat()
    clock = testClock('2026-11-20T15:00:00Z')
    // The deadline never passes here: every answer is a passive reply, however slow the machine.
    app = await buildApp(oaConfig(fake), { logger: false, clock, wechatOaDeadline: never })
    await app.ready()
  })
  afterAll(async () => {
    await app?.close()
    await fake?.close()
  })

  it('answers the server-URL handshake only when signed with the token', async () => {
    const ok = await app.inject({
      method: 'GET',
      url: '/channels/wechat-oa',
      query: { ...signedQuery(), echostr: '5837421093' },
    })
    expect(ok.statusCode).toBe(200)
    expect(ok.body).toBe('5837421093')
    const wrong = await app.inject({
      method: 'GET',
      url: '/channels/wechat-oa',
      query: { ...signedQuery('someoneElsesToken'), echostr: '5837421093' },
    })
    expect(wrong.statusCode).toBe(401)
    expect(wrong.json().error.code).toBe('ND_WECHAT_SIGNATURE')
    expect(wrong.body).not.toContain('5837421093')
  })

  it('answers a plain-mode text in a passive XML reply, in the follower’s conversation', async () => {
    const reply = passiveReply(
      await postPlain(app, textMessage('oPlainFollower01', '心内科在几楼', '7000000000000000001')),
    )
    expect(reply).toMatchObject({ ToUserName: 'oPlainFollower01', FromUserName: ACCOUNT, MsgType: 'text' })
    expect(reply!.Content).toContain('门诊楼2楼')
    // A follow-up relies on the previous turn, as on the web.
    const next = passiveReply(
      await postPlain(app, textMessage('oPlainFollower01', '那消化内科呢', '7000000000000000002')),
    )
    expect(next!.Content).toContain('消化内科')
    expect(await patientTurns(app, 'oPlainFollower01')).toHaveLength(2)
  })

  it('answers a safe-mode (encrypted) text encrypted, signed with msg_signature', async () => {
    const res = await postSafe(
      app,
      textMessage('oSafeFollower002', '停车怎么收费', '7000000000000000010'),
      cipher,
    )
    expect(res.statusCode).toBe(200)
    const envelope = parseWechatXml(res.body)
    expect(envelope.Content).toBeUndefined()
    expect(envelope.MsgSignature).toBe(
      wechatSignature(TOKEN, envelope.TimeStamp!, envelope.Nonce!, envelope.Encrypt!),
    )
    const reply = parseWechatXml(cipher.decrypt(envelope.Encrypt!))
    expect(reply).toMatchObject({ ToUserName: 'oSafeFollower002', FromUserName: ACCOUNT, MsgType: 'text' })
    expect(reply.Content).toContain('40元')
  })

  it('answers a compatible-mode message (plain fields and Encrypt) encrypted', async () => {
    const xml = textMessage('oCompatFollower1', '心内科在几楼', '7000000000000000015')
    const res = await postSafe(app, xml, cipher, 'compatible')
    const reply = parseWechatXml(cipher.decrypt(parseWechatXml(res.body).Encrypt!))
    expect(reply.Content).toContain('门诊楼2楼')
  })

  it('refuses a wrong signature, a wrong msg_signature and a body that is not XML', async () => {
    const xml = textMessage('oIntruder0000003', '心内科在几楼', '7000000000000000020')
    const unsigned = await postPlain(app, xml, { ...signedQuery(), signature: '0'.repeat(40) })
    expect(unsigned.statusCode).toBe(401)
    expect(unsigned.json().error.code).toBe('ND_WECHAT_SIGNATURE')
    const query = signedQuery()
    const forged = await app.inject({
      method: 'POST',
      url: '/channels/wechat-oa',
      query: { ...query, encrypt_type: 'aes', msg_signature: '1'.repeat(40) },
      headers: { 'content-type': 'text/xml' },
      payload: `<xml><Encrypt><![CDATA[${cipher.encrypt(xml)}]]></Encrypt></xml>`,
    })
    expect(forged.statusCode).toBe(401)
    const broken = await postPlain(app, '<xml><MsgType>text</MsgType><Content>unclosed</xml>')
    expect(broken.statusCode).toBe(400)
    expect(broken.json().error.code).toBe('ND_INVALID_XML')
    const entity = await postPlain(app, '<!DOCTYPE x [<!ENTITY a "aaaa">]><xml><Content>&a;</Content></xml>')
    expect(entity.statusCode).toBe(400)
    const huge = await postPlain(
      app,
      textMessage('oIntruder0000003', '心'.repeat(30_000), '7000000000000000021'),
    )
    expect(huge.statusCode).toBe(413)
    expect(huge.json().error.message).toContain(String(64 * 1024))
    expect(await patientTurns(app, 'oIntruder0000003')).toHaveLength(0)
  })

  it('answers a retried MsgId once: one turn and one ticket, the retries get the same reply', async () => {
    const xml = textMessage('oRetryFollower04', '我爸突然晕倒了，叫不醒', '7000000000000000030')
    // The first and two retries arrive while the first is still being answered, a third after.
    const first = await Promise.all([postPlain(app, xml), postPlain(app, xml), postPlain(app, xml)])
    const late = await postPlain(app, xml)
    const replies = [...first, late].map((r) => passiveReply(r)?.Content)
    expect(replies[0]).toContain('120')
    expect(new Set(replies).size).toBe(1)
    expect(await patientTurns(app, 'oRetryFollower04')).toHaveLength(1)
    expect(await ticketsOf(app, 'oRetryFollower04')).toHaveLength(1)
  })

  it('answers an emergency with the 120 reply in the passive reply and opens an urgent ticket', async () => {
    const reply = passiveReply(
      await postPlain(app, textMessage('oEmergency000005', '我妈胸口剧痛喘不上气', '7000000000000000040')),
    )
    expect(reply!.Content).toContain('120')
    expect(reply!.Content).toContain('急诊')
    const [ticket] = await ticketsOf(app, 'oEmergency000005')
    expect(ticket).toMatchObject({ reason: 'emergency', priority: 'urgent', channel: 'wechat-oa' })
  })

  it('welcomes a new follower, asks for text for pictures, and reads recognised voice as text', async () => {
    const welcome = passiveReply(
      await postPlain(app, xmlMessage('oNewFollower0006', { MsgType: 'event', Event: 'subscribe' })),
    )
    expect(welcome!.Content).toContain('感谢关注')
    expect(welcome!.Content).toContain('科室位置')
    const picture = passiveReply(
      await postPlain(
        app,
        xmlMessage('oNewFollower0006', {
          MsgType: 'image',
          PicUrl: 'http://127.0.0.1/x.jpg',
          MsgId: '7000000000000000050',
        }),
      ),
    )
    expect(picture!.Content).toContain('请用文字描述您的问题')
    const voice = passiveReply(
      await postPlain(
        app,
        xmlMessage('oNewFollower0006', {
          MsgType: 'voice',
          Format: 'amr',
          Recognition: '心内科在几楼',
          MsgId: '7000000000000000051',
        }),
      ),
    )
    expect(voice!.Content).toContain('门诊楼2楼')
    const silent = await postPlain(
      app,
      xmlMessage('oNewFollower0006', { MsgType: 'event', Event: 'unsubscribe' }, 1_780_000_100),
    )
    expect(silent.body).toBe('success')
  })

  it('sends an agent’s reply through the customer-service API, and refuses one after 48 hours', async () => {
    const openid = 'oHandedOff000007'
    passiveReply(await postPlain(app, textMessage(openid, '我要投诉，护士态度太差了', '7000000000000000060')))
    const [ticket] = await ticketsOf(app, openid)
    await createAccount(app.stores.agents, {
      username: 'oa.nurse',
      password: 'oa-nurse-night-2026',
      role: 'agent',
    })
    let auth = await signIn(app, 'oa.nurse', 'oa-nurse-night-2026')
    expect(
      (await app.inject({ method: 'POST', url: `/api/agent/tickets/${ticket!.id}/claim`, headers: auth }))
        .statusCode,
    ).toBe(200)
    const sent = await agentReply(
      app,
      auth,
      ticket!.id,
      '您好，我是值班护士长，非常抱歉，请留下电话我们回访。',
    )
    expect(sent.statusCode).toBe(200)
    await expect
      .poll(() => fake.sent.filter((m) => m.touser === openid).map((m) => m.content))
      .toEqual(['您好，我是值班护士长，非常抱歉，请留下电话我们回访。'])

    // Unfollowed meanwhile: WeChat refuses, and the agent sees it in the transcript.
    fake.outOfWindow.add(openid)
    await agentReply(app, auth, ticket!.id, '还在吗？')
    await expect
      .poll(async () => (await app.stores.transcripts.list(oaSession(openid))).at(-1)?.text)
      .toContain('没有送达患者')
    fake.outOfWindow.delete(openid)

    clock.set('2026-11-22T16:00:01Z') // 49 hours after the patient's message
    auth = await signIn(app, 'oa.nurse', 'oa-nurse-night-2026')
    const late = await agentReply(app, auth, ticket!.id, '您好，看到您的留言了。')
    expect(late.statusCode).toBe(409)
    expect(late.json().error).toMatchObject({ code: 'ND_PATIENT_UNREACHABLE' })
    expect(late.json().error.message).toContain('48小时')
    expect(late.json().error.message).toContain('回电话')
    expect(fake.sent.map((m) => m.content)).not.toContain('您好，看到您的留言了。')
  })
})

describe('WeChat official account: an answer later than the deadline', () => {
  let fake: FakeWechat
  let app: FastifyInstance
  const lines: string[] = []

  beforeAll(async () => {
    fake = await fakeWechat()
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk))
        done()
      },
    })
    // The deadline has always passed: every answer goes through the customer-service API.
    app = await buildApp(oaConfig(fake, { logLevel: 'info' }), {
      logger: { ...(loggerOptions('info') as object), stream: sink },
      wechatOaDeadline: passed,
    })
    await app.ready()
  })
  afterAll(async () => {
    await app?.close()
    await fake?.close()
  })

  it('replies success at once and sends the answer through the customer-service API, once', async () => {
    const xml = textMessage('oSlowFollower008', '心内科在几楼', '7000000000000000070')
    const [first, retry] = await Promise.all([postPlain(app, xml), postPlain(app, xml)])
    expect(first.body).toBe('success')
    expect(retry.body).toBe('success')
    await expect.poll(() => fake.sent.filter((m) => m.touser === 'oSlowFollower008')).toHaveLength(1)
    expect(fake.sent[0]!.content).toContain('门诊楼2楼')
    expect(fake.sent[0]!.accessToken).toBe(fake.currentToken())
    expect(await patientTurns(app, 'oSlowFollower008')).toHaveLength(1)
  })

  it('asks for a new token when WeChat says the cached one is no longer valid', async () => {
    const before = fake.tokenRequests
    fake.rotate()
    await postPlain(app, textMessage('oSlowFollower008', '探视时间是几点', '7000000000000000071'))
    await expect.poll(() => fake.sent.filter((m) => m.touser === 'oSlowFollower008')).toHaveLength(2)
    expect(fake.sent.at(-1)!.accessToken).toBe(fake.currentToken())
    expect(fake.tokenRequests).toBe(before + 1)
  })

  it('keeps the openid out of the logs', async () => {
    const openid = 'oLoggedFollower09xyz'
    fake.outOfWindow.add(openid)
    await postPlain(app, textMessage(openid, '心内科在几楼', '7000000000000000080'))
    await expect.poll(() => lines.join('')).toContain('a late answer could not be sent')
    const log = lines.join('')
    expect(log).not.toContain(openid)
    expect(log).toContain('oLog***')
  })
})
