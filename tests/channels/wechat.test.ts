import type { EventEmitter } from 'node:events'
import type { FastifyInstance } from 'fastify'
import { FileBox } from 'file-box'
import { PuppetMock, mock } from 'wechaty-puppet-mock'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.js'
import { createAccount } from '../../src/auth/accounts.js'
import { wechatSession } from '../../src/channels/wechat.js'
import { testConfig } from '../helpers.js'

// The mock's typed emitter types do not resolve under NodeNext; its objects are plain EventEmitters.
const onMessage = (who: mock.ContactMock | mock.RoomMock, listener: (m: mock.MessageMock) => void) =>
  (who as unknown as EventEmitter).on('message', listener)

/** A real wechaty bot on wechaty-puppet-mock: contacts write to it as WeChat users would. */
describe('WeChat channel (wechaty + wechaty-puppet-mock)', () => {
  let app: FastifyInstance
  let mocker: mock.Mocker
  let user: mock.ContactMock
  let patient: mock.ContactMock
  const inbox: string[] = []

  beforeAll(async () => {
    mocker = new mock.Mocker()
    const puppet = new PuppetMock({ mocker })
    app = await buildApp(testConfig({ admin: { username: 'wx.admin', password: 'wechat-night-2026' } }), {
      logger: false,
      wechatPuppet: puppet,
    })
    await app.ready()
    mocker.scan('mock-login-qrcode', 2)
    ;[user, patient] = mocker.createContacts(2) as [mock.ContactMock, mock.ContactMock]
    mocker.login(user)
    onMessage(patient, (m) => {
      if (m.payload.talkerId !== patient.id && m.payload.text) inbox.push(m.payload.text)
    })
  })
  afterAll(async () => {
    await app?.close()
  })

  const nextReply = async (from: number) => {
    await expect.poll(() => inbox.length, { timeout: 5000 }).toBeGreaterThan(from)
    return inbox[from]!
  }

  it('answers a contact question in the same conversation', async () => {
    const n = inbox.length
    patient.say('心内科在几楼').to(user)
    expect(await nextReply(n)).toContain('门诊楼2楼')
    expect(app.wechat?.status).toMatchObject({ state: 'online' })
  })

  it('sends the 120 reply at once for an emergency and queues an urgent ticket', async () => {
    const n = inbox.length
    patient.say('我爸突然晕倒了，叫不醒').to(user)
    expect(await nextReply(n)).toContain('120')
    const session = await app.stores.sessions.get(wechatSession(patient.id))
    expect(session?.state.handoff?.priority).toBe('urgent')
  })

  it('delivers the agent reply to the handed-off WeChat contact', async () => {
    const ticketId = (await app.stores.sessions.get(wechatSession(patient.id)))!.state.handoff!.ticketId
    await createAccount(app.stores.agents, { username: 'wx.nurse', password: 'wx-nurse-2026', role: 'agent' })
    const token = (
      await app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { username: 'wx.nurse', password: 'wx-nurse-2026' },
      })
    ).json().token
    const auth = { authorization: `Bearer ${token}` }
    expect(
      (await app.inject({ method: 'POST', url: `/api/agent/tickets/${ticketId}/claim`, headers: auth }))
        .statusCode,
    ).toBe(200)
    const n = inbox.length
    await app.inject({
      method: 'POST',
      url: `/api/agent/tickets/${ticketId}/reply`,
      headers: auth,
      payload: { text: '我是值班护士，请马上拨打120。' },
    })
    expect(await nextReply(n)).toBe('我是值班护士，请马上拨打120。')
    const channels = (await app.inject({ method: 'GET', url: '/api/agent/channels', headers: auth })).json()
    expect(channels.wechat.state).toBe('online')
  })

  it('asks for text when sent a picture', async () => {
    const other = mocker.createContact()
    const got: string[] = []
    onMessage(other, (m) => {
      if (m.payload.talkerId !== other.id && m.payload.text) got.push(m.payload.text)
    })
    other.say(FileBox.fromBase64('iVBORw0KGgo=', 'photo.png')).to(user)
    await expect.poll(() => got[0], { timeout: 5000 }).toContain('请用文字描述')
  })

  it('in a group, answers only when @-mentioned', async () => {
    const member = mocker.createContact()
    const room = mocker.createRoom({ memberIdList: [user.id, member.id] })
    const seen: string[] = []
    onMessage(room, (m) => {
      if (m.payload.talkerId === user.id && m.payload.text) seen.push(m.payload.text)
    })
    member.say('探视时间是几点').to(room)
    member.say(`@${user.payload.name} 停车怎么收费`, [user]).to(room)
    // Messages are handled in order: had the first been answered, its reply would come first.
    await expect.poll(() => seen.length).toBeGreaterThan(0)
    expect(seen).toHaveLength(1)
    expect(seen[0]).toContain('40元')
  })
})
