import { WechatyBuilder, type Message, type Wechaty, type Contact } from 'wechaty'
import type { FastifyBaseLogger } from 'fastify'
import type { Bot } from '../dialogue/bot.js'
import type { EventBus } from '../storage/types.js'
import type { PatientEvent } from '../handoff/service.js'

export interface WechatStatus {
  state: 'off' | 'starting' | 'scan' | 'online' | 'offline'
  qrcode?: string
  user?: string
  at: string
}

export interface WechatOptions {
  /** A puppet instance (tests: wechaty-puppet-mock) or a puppet package name (WECHATY_PUPPET). */
  puppet: unknown
  bot: Bot
  events: EventBus
  log: FastifyBaseLogger
  /** "请用文字描述您的问题" for pictures, voice and files. */
  textOnlyReply: string
}

/** One WeChat user's conversation id; in a group, each member has their own conversation. */
export const wechatSession = (contactId: string, roomId?: string) =>
  roomId ? `wechat:${roomId}:${contactId}` : `wechat:${contactId}`

/**
 * The WeChat channel: a thin adapter over the same handleMessage() as the web. Private messages are
 * always answered; in a group only when the bot is @-mentioned. Agents' replies reach the contact
 * through the `channel:wechat` topic, so they arrive even after a restart of this process.
 */
export class WechatChannel {
  readonly status: WechatStatus = { state: 'off', at: new Date().toISOString() }
  private readonly wechaty: Wechaty
  private off: (() => Promise<void>) | undefined

  constructor(private readonly opts: WechatOptions) {
    this.wechaty = WechatyBuilder.build({ name: 'nightdesk', puppet: opts.puppet as never })
    this.wechaty.on('scan', (qrcode, status) => this.onScan(qrcode, status))
    this.wechaty.on('login', (user) => this.onLogin(user))
    this.wechaty.on('logout', (user) => this.onLogout(user))
    this.wechaty.on('message', (msg) => {
      this.onMessage(msg).catch((err) => opts.log.error({ err }, 'wechat message failed'))
    })
    this.wechaty.on('error', (err) => opts.log.error({ err }, 'wechaty error'))
  }

  async start(): Promise<void> {
    this.setStatus({ state: 'starting' })
    this.off = await this.opts.events.subscribe('channel:wechat', (event) => {
      this.deliver(event as PatientEvent & { sessionId: string }).catch((err) =>
        this.opts.log.error({ err }, 'wechat delivery failed'),
      )
    })
    await this.wechaty.start()
  }

  async stop(): Promise<void> {
    await this.off?.()
    await this.wechaty.stop()
    this.setStatus({ state: 'off' })
  }

  private setStatus(patch: Partial<WechatStatus>) {
    Object.assign(this.status, { qrcode: undefined, ...patch, at: new Date().toISOString() })
  }

  // The login QR code is shown by this app (/api/agent/channels/wechat/qrcode.svg), never sent to a
  // third-party QR service: whoever scans it controls the hospital's account.
  private onScan(qrcode: string, status: number) {
    this.setStatus({ state: 'scan', qrcode })
    this.opts.log.info(
      { status, qrcodeUrl: '/api/agent/channels/wechat/qrcode.svg' },
      'wechat: scan the QR code to log in',
    )
  }

  private onLogin(user: Contact) {
    this.setStatus({ state: 'online', user: user.name() })
    this.opts.log.info({ user: user.name() }, 'wechat: logged in')
  }

  private onLogout(user: Contact) {
    this.setStatus({ state: 'offline', user: user.name() })
    this.opts.log.warn({ user: user.name() }, 'wechat: logged out')
  }

  async onMessage(msg: Message): Promise<void> {
    if (msg.self()) return
    const room = msg.room()
    if (room && !(await msg.mentionSelf())) return
    const talker = msg.talker()
    const reply = (text: string) => (room ? room.say(text, talker) : talker.say(text))
    if (msg.type() !== this.wechaty.Message.Type.Text) {
      await reply(this.opts.textOnlyReply)
      return
    }
    const text = room ? (await msg.mentionText()).trim() : msg.text().trim()
    if (!text) return
    const result = await this.opts.bot.handleMessage({
      sessionId: wechatSession(talker.id, room?.id),
      text: text.slice(0, 2000),
      channel: 'wechat',
    })
    await reply(result.reply)
  }

  private async deliver(event: PatientEvent & { sessionId: string }): Promise<void> {
    if (event.type !== 'agent' && event.type !== 'system') return
    const [, first, second] = event.sessionId.split(':')
    const contact = await this.wechaty.Contact.find({ id: second ?? first! })
    if (!contact) {
      this.opts.log.warn({ sessionId: event.sessionId }, 'wechat: contact not found for an agent reply')
      return
    }
    if (second) {
      const room = await this.wechaty.Room.find({ id: first! })
      if (room) {
        await room.say(event.text, contact)
        return
      }
    }
    await contact.say(event.text)
  }
}
