import { randomUUID } from 'node:crypto'
import type { SessionRecord, Stores, Ticket, TranscriptEntry } from '../storage/types.js'
import type { BotBrain } from './brain.js'
import { decide, type DecideOptions } from './decide.js'
import type { Action, DialogueState, HandoffRef, Priority } from './types.js'
import { applyRating, parseRating } from './satisfaction.js'
import { shiftLabel, type ServiceLevels, type ShiftStart } from '../handoff/service-levels.js'
import { systemClock, type Clock } from '../clock.js'

export interface IncomingMessage {
  sessionId: string
  text: string
  channel: string
  now?: Date
  /** The language the patient chose in the widget: a hint when the message itself does not tell. */
  lang?: string
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
}

const RANK: Record<Priority, number> = { urgent: 3, high: 2, normal: 1 }

export function newTicketId(): string {
  // randomUUID draws from a cached entropy pool: randomBytes(3) was a syscall per ticket.
  return `T${Date.now().toString(36).toUpperCase()}${randomUUID().slice(0, 6).toUpperCase()}`
}

/**
 * handleMessage: the one path every channel's message walks. Messages of one conversation are handled
 * one at a time, so a quick double-send cannot open two tickets or lose a turn of state.
 */
export class Bot {
  private readonly queues = new Map<string, Promise<unknown>>()

  constructor(
    private brain: () => BotBrain,
    private readonly stores: Stores,
    private readonly options: DecideOptions,
    private readonly availability: (
      now: Date,
    ) => Promise<{ online: boolean; opensAt?: ShiftStart }> = async () => ({ online: true }),
    private readonly levels?: ServiceLevels,
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
    const now = msg.now ?? this.clock()
    const at = now.toISOString()
    const brain = this.brain()
    let record: SessionRecord = (await this.stores.sessions.get(msg.sessionId)) ?? {
      sessionId: msg.sessionId,
      channel: msg.channel,
      createdAt: at,
      updatedAt: at,
      state: { failures: 0 },
    }
    // The answer to "please rate this conversation 1-5" is recorded, not analysed as a question.
    const asked = record.state.awaitingRating
    const rating = asked && this.levels ? parseRating(msg.text) : undefined
    if (asked && rating && this.levels) {
      const composer = brain.language(record.state.lang ?? msg.lang).composer
      const outcome = await applyRating(this.stores, this.levels, rating, {
        sessionId: msg.sessionId,
        channel: msg.channel,
        ...(asked.ticketId ? { ticketId: asked.ticketId } : {}),
        now,
      })
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
    let state: DialogueState = { ...decision.state, lang }
    let handoff: HandoffRef | null = state.handoff ?? null
    let reply = decision.reply
    const writes: Array<Promise<unknown>> = []
    // Waiting for a person: a mobile number in the message is the callback number for the ticket.
    const phone =
      state.handoff && !decision.handoff ? MOBILE.exec(msg.text.replace(/[\s-]/g, ''))?.[0] : undefined
    if (phone && state.handoff) {
      writes.push(
        this.stores.tickets.update(state.handoff.ticketId, {
          detail: {
            ...((await this.stores.tickets.get(state.handoff.ticketId))?.detail ?? {}),
            callbackPhone: phone,
          },
          updatedAt: at,
        }),
      )
      reply = composer.text('handoff', 'callbackSaved', {
        phone: `${phone.slice(0, 3)}****${phone.slice(-4)}`,
      })
    }
    if (decision.handoff) {
      const req = decision.handoff
      if (state.handoff) {
        // Already with a person: an emergency raises the ticket's priority, never opens a second one.
        if (RANK[req.priority] > RANK[state.handoff.priority]) {
          handoff = { ...state.handoff, priority: req.priority }
          writes.push(
            this.stores.tickets.update(handoff.ticketId, {
              priority: req.priority,
              detail: { ...req.detail, escalatedFrom: state.handoff.priority },
              updatedAt: at,
            }),
          )
        }
      } else {
        const ticket: Ticket = {
          id: newTicketId(),
          sessionId: msg.sessionId,
          channel: msg.channel,
          reason: req.reason,
          priority: req.priority,
          status: 'queued',
          detail: req.detail,
          language: lang,
          createdAt: at,
          updatedAt: at,
        }
        writes.push(this.stores.tickets.create(ticket))
        handoff = { ticketId: ticket.id, reason: req.reason, priority: req.priority }
        const staffed = await this.availability(now)
        const time = staffed.opensAt
          ? composer.text('handoff', 'shiftStart', { day: shiftLabel(staffed.opensAt, composer.calendar) })
          : composer.text('handoff', 'soon')
        if (!staffed.online) reply = composer.join(reply, composer.text('handoff', 'noAgentOnline', { time }))
      }
      state = { ...state, handoff: handoff! }
    }
    // A goodbye ends the conversation: ask how it went.
    if (decision.intent === 'thanks_goodbye' && !state.handoff && this.levels) {
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
      this.stores.recordTurn({ ...record, channel: msg.channel, updatedAt: at, state }, [patient, bot]),
    )
    await Promise.all(writes)
    // Consoles see new and raised tickets, and what a waiting patient writes, as it happens.
    if (handoff) {
      const ticket = await this.stores.tickets.get(handoff.ticketId)
      await this.stores.events.publish('queue', {
        type: decision.handoff && !record.state.handoff ? 'ticket' : 'message',
        action: decision.handoff ? 'handoff' : 'patient',
        ticket,
        entry: patient,
      })
    }
    return {
      reply,
      action: decision.action,
      intent: decision.intent,
      confidence: round(decision.confidence),
      handoff,
      suggestions: decision.suggestions,
      lang,
    }
  }
}

const round = (n: number) => Math.round(n * 1000) / 1000
const MOBILE = /(?<!\d)1[3-9]\d{9}(?!\d)/
