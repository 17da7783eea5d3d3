import { createHash } from 'node:crypto'
import { setTimeout as delay } from 'node:timers/promises'
import type { FastifyBaseLogger } from 'fastify'
import type { Bot } from '../../dialogue/bot.js'
import type { Clock } from '../../clock.js'
import { QUEUE_TOPIC, type PatientEvent } from '../../handoff/service.js'
import type { Stores, Ticket } from '../../storage/types.js'
import { OUT_OF_WINDOW, WechatApiError, type WechatApi } from './api.js'
import type { OaSharedState } from './shared-state.js'
import type { WechatXml } from './xml.js'

export const OA_CHANNEL = 'wechat-oa'
/** One follower's conversation: the openid is theirs on this account only. */
export const oaSession = (openid: string) => `${OA_CHANNEL}:${openid}`

/** WeChat retries an unanswered message three times within about 15 seconds. */
const CLAIM_MS = 5 * 60_000
/** The customer-service API may write to a follower for 48 hours after their last message. */
export const REPLY_WINDOW_MS = 48 * 60 * 60_000

/** Resolves when a passive reply's time is up, or soon after `signal` says the answer came first. */
export type OaDeadline = (ms: number, signal: AbortSignal) => Promise<void>

export interface OaWords {
  /** For pictures, voice without recognised text, video, locations, links. */
  textOnly: string
  /** For a new follower (the subscribe event). */
  welcome: string
}

export interface OaChannelOptions {
  bot: Bot
  api: WechatApi
  state: OaSharedState
  stores: Stores
  log: FastifyBaseLogger
  clock: Clock
  words: () => OaWords
  /** How long a passive reply may wait for the answer; later, it goes through the API. */
  deadlineMs: number
  /** Tests pass their own (one already passed, one that never passes). */
  deadline?: OaDeadline
}

/** One message and its answer, shared by WeChat's retries of it that reach this instance. */
interface Attempt {
  answer: Promise<string | undefined>
  /** How the answer reaches the patient, once decided: in the callback's reply, or by the API. */
  via?: 'passive' | 'api'
}

/**
 * The official account's messages, as a thin adapter over the same handleMessage() as the web: a
 * text (or a voice message WeChat recognised) is one turn of the follower's conversation; a new
 * follower is welcomed; pictures and the like are asked for text. The answer goes in the callback's
 * reply when ready within the deadline, else through the customer-service API: either way once, however
 * often WeChat retries the message.
 */
export class OaChannel {
  private readonly attempts = new Map<string, Attempt>()
  private readonly deadline: OaDeadline
  private off: (() => Promise<void>) | undefined

  constructor(private readonly opts: OaChannelOptions) {
    // An answer that came first cancels its timer, rather than leaving one per message running.
    this.deadline = opts.deadline ?? ((ms, signal) => delay(ms, undefined, { signal }).catch(() => undefined))
  }

  async start(): Promise<void> {
    this.off = await this.opts.stores.events.subscribe(`channel:${OA_CHANNEL}`, (event) => {
      void this.deliver(event as PatientEvent & { sessionId: string })
    })
  }

  async stop(): Promise<void> {
    await this.off?.()
  }

  /** What to reply to WeChat's callback: the answer's text, or undefined for "success" (nothing now). */
  async receive(message: WechatXml): Promise<string | undefined> {
    // Events carry no MsgId: WeChat's documented key for them is the sender and the creation time.
    const key = message.MsgId
      ? `msg:${message.MsgId}`
      : `event:${message.FromUserName}:${message.CreateTime}:${message.Event ?? ''}`
    let attempt = this.attempts.get(key)
    if (!attempt) {
      const created: Attempt = { answer: this.firstAttempt(key, message) }
      this.attempts.set(key, created)
      const forget = () => {
        if (this.attempts.get(key) === created) this.attempts.delete(key)
      }
      // Kept while a retry may come; a failed one is forgotten at once, so WeChat's retry tries again.
      created.answer.then(() => setTimeout(forget, CLAIM_MS).unref(), forget)
      attempt = created
    }
    const answered = new AbortController()
    const ready = await Promise.race([
      attempt.answer.then((text) => ({ text })),
      this.deadline(this.opts.deadlineMs, answered.signal),
    ]).finally(() => answered.abort())
    if (ready) {
      if (ready.text === undefined || attempt.via === 'api') return undefined
      // A retry gets the same reply: WeChat retries only when it did not get the first one.
      attempt.via = 'passive'
      return ready.text
    }
    if (!attempt.via) {
      attempt.via = 'api'
      const openid = message.FromUserName!
      attempt.answer
        .then((text) => (text ? this.opts.api.sendText(openid, text) : undefined))
        .catch((err: unknown) =>
          this.opts.log.error({ err, openid }, 'wechat-oa: a late answer could not be sent'),
        )
    }
    return undefined
  }

  /** Whether an agent's reply can reach the patient: within 48 hours of their last message. */
  async reachable(ticket: Ticket): Promise<boolean> {
    const transcript = await this.opts.stores.transcripts.list(ticket.sessionId)
    const last = transcript.findLast((e) => e.role === 'patient')
    return !!last && this.opts.clock().getTime() - Date.parse(last.at) < REPLY_WINDOW_MS
  }

  // The first copy of a message to reach any instance is answered; copies elsewhere say nothing.
  private async firstAttempt(key: string, message: WechatXml): Promise<string | undefined> {
    if (!(await this.opts.state.claim(key, CLAIM_MS))) return undefined
    try {
      return await this.answer(message)
    } catch (err) {
      await this.opts.state.release(key)
      throw err
    }
  }

  private async answer(message: WechatXml): Promise<string | undefined> {
    const openid = message.FromUserName
    if (!openid) return undefined
    switch (message.MsgType) {
      case 'text':
        return this.ask(openid, message.Content ?? '')
      case 'voice':
        // With speech recognition on (the platform's setting), WeChat sends what was said.
        return message.Recognition?.trim()
          ? this.ask(openid, message.Recognition)
          : this.opts.words().textOnly
      case 'event':
        return message.Event === 'subscribe' ? this.opts.words().welcome : undefined
      default:
        return this.opts.words().textOnly
    }
  }

  private async ask(openid: string, text: string): Promise<string | undefined> {
    const trimmed = text.trim()
    if (!trimmed) return undefined
    const result = await this.opts.bot.handleMessage({
      sessionId: oaSession(openid),
      text: trimmed.slice(0, 2000),
      channel: OA_CHANNEL,
    })
    return result.reply
  }

  /** An agent's reply (or the end of a handoff) to the follower, by one instance however many listen. */
  private async deliver(event: PatientEvent & { sessionId: string }): Promise<void> {
    if (event.type !== 'agent' && event.type !== 'system') return
    const openid = event.sessionId.slice(OA_CHANNEL.length + 1)
    const id = createHash('sha1').update(`${event.ticketId}\n${event.at}\n${event.text}`).digest('hex')
    try {
      if (!(await this.opts.state.claim(`deliver:${id}`, CLAIM_MS))) return
      await this.opts.api.sendText(openid, event.text)
    } catch (err) {
      this.opts.log.warn(
        { err, openid, ticketId: event.ticketId },
        'wechat-oa: a message to a follower failed',
      )
      if (event.type === 'agent') await this.tellAgent(event, err)
    }
  }

  // The agent who wrote it sees in the transcript that it did not arrive, and why.
  private async tellAgent(event: PatientEvent & { sessionId: string }, err: unknown): Promise<void> {
    const why =
      err instanceof WechatApiError && err.errcode === OUT_OF_WINDOW
        ? '患者最后一条消息已超过48小时（或已取消关注），微信不允许公众号再给他发消息'
        : `微信接口没有接收（${err instanceof WechatApiError ? `错误码 ${err.errcode}` : '连接失败'}）`
    const entry = {
      at: this.opts.clock().toISOString(),
      role: 'system' as const,
      text: `上面这条回复没有送达患者：${why}。请给患者回电话，或稍后再试。`,
    }
    try {
      await this.opts.stores.transcripts.append(event.sessionId, [entry])
      const ticket = await this.opts.stores.tickets.get(event.ticketId)
      await this.opts.stores.events.publish(QUEUE_TOPIC, {
        type: 'message',
        action: 'undelivered',
        ticket,
        entry,
      })
    } catch (noted) {
      this.opts.log.error(
        { err: noted, ticketId: event.ticketId },
        'wechat-oa: the agent was not told of a failed reply',
      )
    }
  }
}
