import type { SessionOwner, SessionRecord, Stores, TranscriptEntry } from '../storage/types.js'
import type { BotBrain } from './brain.js'
import { decide, type DecideOptions } from './decide.js'
import type { Action, DialogueState, HandoffRef } from './types.js'
import { parseRating } from './satisfaction.js'
import type { Conversation, TicketDesk } from './ticket-desk.js'
import { openingLabel, type Opening } from '../knowledge-base/schedule.js'
import { systemClock, type Clock } from '../clock.js'
import { newNonce, type SessionTokens } from '../auth/session-token.js'
import { Errors } from '../errors.js'
import { maskPii } from '../privacy/mask.js'

export interface IncomingMessage {
  sessionId: string
  text: string
  channel: string
  now?: Date
  /** The language the patient chose in the widget: a hint when the message itself does not tell. */
  lang?: string
  /**
   * A message from a public channel (HTTP API, web widget): the session token it came with and the
   * caps on its sender. Server-side channels (WeChat) own their conversations and send none.
   */
  client?: PublicClient
}

export interface PublicClient {
  /** The session token the client sent (X-Session-Token, the WebSocket's). */
  token: string | undefined
  /** Counts a new conversation against the sender's cap: false once the cap is reached. */
  startsSession(): Promise<boolean>
  /** Counts a new ticket against the sender's cap: false once the cap is reached (agents are alerted). */
  opensTicket(): Promise<boolean>
}

/** The chat API contract's response. */
export interface BotReply {
  reply: string
  action: Action
  intent: string | null
  confidence: number
  handoff: HandoffRef | null
  suggestions: string[]
  /** The language of the reply; the conversation keeps it. */
  lang: string
  /** For a public client: the token the conversation's next message and reads must send. */
  sessionToken?: string
}

export interface BotLog {
  error(obj: object, msg: string): void
  warn(obj: object, msg: string): void
}

/**
 * handleMessage: the one path every channel's message walks. Messages of one conversation are handled
 * one at a time, so a quick double-send cannot open two tickets or lose a turn of state.
 *
 * The first promise: an emergency always gets the 120 reply and an urgent handoff, whatever storage
 * does. Detecting it needs no storage (the NLU is in memory); a conversation that cannot be read is
 * taken as a new one, and a write that fails is logged, not thrown (with Redis, the outbox keeps and
 * replays what Redis cannot take). Other messages fail as before when storage does.
 */
export class Bot {
  private readonly queues = new Map<string, Promise<unknown>>()

  constructor(
    private brain: () => BotBrain,
    private readonly stores: Stores,
    private readonly desk: TicketDesk,
    private readonly tokens: SessionTokens,
    private readonly options: DecideOptions,
    private readonly log: BotLog,
    private readonly availability: (
      now: Date,
    ) => Promise<{ online: boolean; opensAt?: Opening }> = async () => ({ online: true }),
    private readonly clock: Clock = systemClock,
  ) {}

  handleMessage(msg: IncomingMessage): Promise<BotReply> {
    const prev = this.queues.get(msg.sessionId) ?? Promise.resolve()
    const run = prev.catch(() => undefined).then(() => this.process(msg))
    this.queues.set(msg.sessionId, run)
    void run
      .finally(() => {
        if (this.queues.get(msg.sessionId) === run) this.queues.delete(msg.sessionId)
      })
      .catch(() => undefined)
    return run
  }

  private async process(msg: IncomingMessage): Promise<BotReply> {
    // A request's `now` only says which time an answer is about ("is it open now?"). What is stored
    // (turns, tickets, queue order, SLA clocks, retention) is dated by the server's clock: a client
    // must not date its ticket in 2000 to jump the queue or dodge retention.
    const now = msg.now ?? this.clock()
    const at = this.clock().toISOString()
    const brain = this.brain()
    const stored = await this.stores.sessions.get(msg.sessionId).then(
      (record) => ({ record }),
      (err: unknown) => ({ record: undefined, unread: err }),
    )
    // Checked before anything is written: a message without the conversation's token changes nothing.
    const owner = msg.client ? this.owner(msg, msg.client, stored.record) : stored.record?.owner
    const sessionToken = msg.client && owner ? this.tokens.tokenFor(msg.sessionId, owner.nonce) : undefined
    let record: SessionRecord = {
      ...(stored.record ?? {
        sessionId: msg.sessionId,
        channel: msg.channel,
        createdAt: at,
        updatedAt: at,
        state: { failures: 0 },
      }),
      ...(owner ? { owner } : {}),
    }
    // The answer to "please rate this conversation 1-5" is recorded, not analysed as a question.
    const asked = record.state.awaitingRating
    const rating = asked ? parseRating(msg.text) : undefined
    if (asked && rating) {
      const composer = brain.language(record.state.lang ?? msg.lang).composer
      const conversation = { sessionId: msg.sessionId, channel: msg.channel, language: composer.language }
      const outcome = await this.desk.rate(conversation, rating, asked.ticketId)
      const { awaitingRating: _done, ...rest } = record.state
      const followUp = outcome.followUp
        ? composer.text('handoff', 'ratingFollowUp', {
            name: composer.translate(outcome.followUp.owner),
            hours: String(outcome.followUp.hours),
          })
        : ''
      const text = composer.join(composer.text('handoff', 'ratingThanks'), followUp)
      await this.stores.recordTurn({ ...record, updatedAt: at, state: rest }, [
        { at, role: 'patient', text: msg.text },
        { at, role: 'bot', text, action: 'answer', intent: 'satisfaction_rating' },
      ])
      return {
        reply: text,
        action: 'answer',
        intent: 'satisfaction_rating',
        confidence: 1,
        handoff: null,
        suggestions: [],
        lang: composer.language,
        ...(sessionToken ? { sessionToken } : {}),
      }
    }
    // Anything but a rating: the question lapses (a copy: the stored record is only changed by a write).
    if (asked) record = { ...record, state: (({ awaitingRating: _skip, ...rest }) => rest)(record.state) }
    const {
      analysis,
      nlu,
      reply: { composer },
      lang,
    } = brain.read(msg.text, record.state.lang, msg.lang)
    const decision = decide(analysis, record.state, now, composer, this.options, nlu.symptomOf(analysis))
    const emergency = decision.handoff?.reason === 'emergency'
    // A conversation storage could not read was decided as a new one: fine for an emergency (answered in
    // the language the message shows, else the widget's, else the base language); anything else fails.
    if ('unread' in stored) {
      if (!emergency) throw stored.unread
      this.log.error(
        { err: stored.unread, sessionId: msg.sessionId },
        'emergency: the conversation could not be read, so it is answered as a new one',
      )
    }
    // A public client's caps (per IP and hour): beyond them nothing is stored and the message is refused.
    // Never an emergency: it always gets its 120 reply and its urgent ticket (a hospital's guest Wi-Fi
    // is one address for many patients); a flood of emergency-worded messages is bounded by the per-IP
    // request limit instead.
    if (msg.client && !emergency) {
      if (!stored.record && !(await msg.client.startsSession())) throw new Errors.TooManySessions()
      if (decision.handoff && !record.state.handoff && !(await msg.client.opensTicket())) {
        throw new Errors.TooManyHandoffs()
      }
    }
    // An emergency's write that fails is logged with what it was, and the reply goes out anyway.
    const settle = <T>(write: Promise<T>, otherwise: T, what: { write: string; ticketId?: string }) =>
      emergency
        ? write.catch((err: unknown) => {
            this.log.error({ err, sessionId: msg.sessionId, ...what }, 'emergency answered, but not stored')
            return otherwise
          })
        : write
    let state: DialogueState = { ...decision.state, lang }
    let handoff: HandoffRef | null = state.handoff ?? null
    let reply = decision.reply
    const writes: Array<Promise<unknown>> = []
    const conversation: Conversation = { sessionId: msg.sessionId, channel: msg.channel, language: lang }
    // Waiting for a person: a mobile number in the message is the callback number for the ticket.
    const phone =
      state.handoff && !decision.handoff ? MOBILE.exec(msg.text.replace(/[\s-]/g, ''))?.[0] : undefined
    if (phone && state.handoff) {
      const ticketId = await this.desk.setCallback(conversation, state.handoff, phone)
      handoff = { ...state.handoff, ticketId }
      state = { ...state, handoff }
      reply = composer.text('handoff', 'callbackSaved', { phone: maskPii(phone) })
    }
    if (decision.handoff) {
      const req = decision.handoff
      if (state.handoff) {
        // Already with a person: an emergency raises the ticket's priority, never opens a second one.
        // The reply says why a person is needed now; the ticket keeps the reason it was opened for.
        const { ticketId } = state.handoff
        handoff = {
          ticketId: await settle(this.desk.raise(conversation, state.handoff, req), ticketId, {
            write: 'raised ticket',
            ticketId,
          }),
          reason: req.reason,
          priority: req.priority,
        }
      } else {
        const { ticket, stored } = this.desk.open(conversation, req)
        writes.push(settle(stored, undefined, { write: 'ticket', ticketId: ticket.id }))
        handoff = { ticketId: ticket.id, reason: req.reason, priority: req.priority }
        const staffed = await this.availability(now)
        const time = staffed.opensAt
          ? composer.text('handoff', 'shiftStart', { day: openingLabel(staffed.opensAt, composer.calendar) })
          : composer.text('handoff', 'soon')
        // Said in the composer's language only: a Japanese, Korean or Arabic reply (intents/reply-only/)
        // already tells the patient a person will call back with an interpreter.
        if (!staffed.online && lang === composer.language) {
          reply = composer.join(reply, composer.text('handoff', 'noAgentOnline', { time }))
        }
      }
      state = { ...state, handoff }
    }
    // A goodbye ends the conversation: ask how it went.
    if (decision.intent === 'thanks_goodbye' && !state.handoff) {
      reply = composer.join(reply, composer.text('handoff', 'askRating'))
      state = { ...state, awaitingRating: {} }
    }
    const patient: TranscriptEntry = {
      at,
      role: 'patient',
      text: msg.text,
      intent: analysis.ranked[0]?.intent ?? null,
      confidence: round(analysis.ranked[0]?.confidence ?? 0),
      sentiment: round(analysis.sentiment),
    }
    const bot: TranscriptEntry = {
      at,
      role: 'bot',
      text: reply,
      action: decision.action,
      intent: decision.intent,
      confidence: round(decision.confidence),
      ...(decision.handoff ? { reason: decision.handoff.reason } : {}),
    }
    writes.push(
      settle(
        this.stores.recordTurn({ ...record, channel: msg.channel, updatedAt: at, state }, [patient, bot]),
        undefined,
        { write: 'turn' },
      ),
    )
    await Promise.all(writes)
    // Consoles see new and raised tickets, and what a waiting patient writes, as it happens. A console
    // that missed it sees it when it next reads the queue: this never fails the patient's reply.
    if (handoff) {
      const { ticketId } = handoff
      await this.desk
        .announce(ticketId, {
          type: ticketId !== record.state.handoff?.ticketId ? 'ticket' : 'message',
          action: decision.handoff ? 'handoff' : 'patient',
          entry: patient,
        })
        .catch((err: unknown) =>
          this.log[emergency ? 'error' : 'warn'](
            { err, sessionId: msg.sessionId, ticketId },
            'consoles were not told of this message now: they see it when they next read the queue',
          ),
        )
    }
    return {
      reply,
      action: decision.action,
      intent: decision.intent,
      confidence: round(decision.confidence),
      handoff,
      suggestions: decision.suggestions,
      lang,
      ...(sessionToken ? { sessionToken } : {}),
    }
  }

  /**
   * Who owns the conversation after this message, or 401 when the client cannot prove it owns it.
   * A new conversation is bound to the token the client was given for it (the widget's WebSocket hands
   * one out before the first message), else to a new one. A message with the token from before a
   * rotation retires the previous one: its reply carries the current token.
   */
  private owner(msg: IncomingMessage, client: PublicClient, record: SessionRecord | undefined): SessionOwner {
    if (!record) return { nonce: this.tokens.nonceOf(msg.sessionId, client.token) ?? newNonce() }
    if (!this.tokens.proves(msg.sessionId, record.owner, client.token)) {
      throw new Errors.SessionTokenRequired()
    }
    return { nonce: record.owner?.nonce ?? newNonce() }
  }
}

const round = (n: number) => Math.round(n * 1000) / 1000
const MOBILE = /(?<!\d)1[3-9]\d{9}(?!\d)/
