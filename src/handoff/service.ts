import { randomUUID } from 'node:crypto'
import {
  TicketNotFoundError,
  type Stores,
  type Ticket,
  type TicketPatch,
  type TranscriptEntry,
  type Agent,
} from '../storage/types.js'
import { NoSuchAgentError, NotYourTicketError, PatientUnreachableError } from './errors.js'
import { compareAndSet, nextStatus, OPEN_STATUSES, type TicketAction } from './lifecycle.js'
import { systemClock, type Clock as AppClock } from '../clock.js'
import { rotated } from '../auth/session-token.js'
import { byQueueOrder, clocksFor, type Clock, type ServiceLevels } from './service-levels.js'
import type { HandoffRef, HandoffRequest, Priority, TicketReason } from '../dialogue/types.js'
import type { Conversation, RatingOutcome, TicketDesk } from '../dialogue/ticket-desk.js'

export interface QueueItem extends Ticket {
  clocks: Clock[]
}

/** Topics on the event bus: consoles watch the queue, a patient's channel watches its session. */
export const QUEUE_TOPIC = 'queue'
export const sessionTopic = (sessionId: string) => `session:${sessionId}`

export interface PatientEvent {
  type: 'agent' | 'system'
  text: string
  at: string
  ticketId: string
  agentName?: string
  action?: string
}

export interface HandoffLog {
  error(obj: object, msg: string): void
}

/** Whether the channel can deliver an agent's reply to this ticket's patient now. */
export type ReachCheck = (ticket: Ticket) => Promise<boolean>

export interface HandoffOptions {
  stores: Stores
  levels: ServiceLevels
  /** What the patient is told when a person hands the conversation back or closes it, in their language. */
  messages: (lang?: string) => { handBack: string; closed: string }
  log: HandoffLog
  clock?: AppClock
}

/** Whose ticket: a follow-up the hospital owes has no language of its own. */
type Patient = Pick<Conversation, 'sessionId' | 'channel'> & Partial<Pick<Conversation, 'language'>>

const RANK: Record<Priority, number> = { urgent: 3, high: 2, normal: 1 }

/**
 * The one writer of tickets: what agents do with handed-off conversations, and what the dialogue asks
 * for them (TicketDesk). Every move is a compare-and-set on the ticket's status (so two agents, even on
 * two instances, cannot both claim one), and is published to the consoles; what the patient should see
 * is published to the patient's own channel.
 */
export class HandoffService implements TicketDesk {
  private readonly reachChecks = new Map<string, ReachCheck>()
  private readonly stores: Stores
  private readonly levels: ServiceLevels
  private readonly messages: HandoffOptions['messages']
  private readonly log: HandoffLog
  private readonly clock: AppClock

  constructor(options: HandoffOptions) {
    this.stores = options.stores
    this.levels = options.levels
    this.messages = options.messages
    this.log = options.log
    this.clock = options.clock ?? systemClock
  }

  open(conversation: Conversation, { reason, priority, detail }: HandoffRequest) {
    const ticket = this.newTicket(conversation, reason, priority, detail)
    return { ticket, stored: this.stores.tickets.create(ticket) }
  }

  raise(conversation: Conversation, current: HandoffRef, request: HandoffRequest): Promise<string> {
    // Written even when it changes nothing, so a ticket storage has lost is found and opened again.
    const patch: TicketPatch =
      RANK[request.priority] > RANK[current.priority]
        ? { priority: request.priority, detail: { ...request.detail, escalatedFrom: current.priority } }
        : {}
    const ref = { ticketId: current.ticketId, reason: request.reason, priority: request.priority }
    return this.change(conversation, ref, patch)
  }

  setCallback(conversation: Conversation, current: HandoffRef, phone: string): Promise<string> {
    return this.change(conversation, current, { detail: { callbackPhone: phone } })
  }

  /**
   * The hospital's rules for a rating: the rated ticket keeps it; a low one opens a follow-up ticket
   * for the person who must call back (office director, service specialist); a high one marks the
   * conversation as a good example for the department.
   */
  async rate(conversation: Patient, rating: number, ticketId?: string): Promise<RatingOutcome> {
    const rule = this.levels.satisfaction.find((r) => r.ratings.includes(rating))
    const at = this.clock()
    if (ticketId) {
      const patch: TicketPatch = {
        rating,
        ...(rule?.goodExample ? { detail: { goodExample: 1 } } : {}),
        updatedAt: at.toISOString(),
      }
      await this.stores.tickets.update(ticketId, patch).catch((err: unknown) => {
        // Deleted on the patient's request meanwhile: the rating still counts in the transcript.
        if (!(err instanceof TicketNotFoundError)) throw err
      })
    }
    await this.stores.transcripts.append(conversation.sessionId, [
      { at: at.toISOString(), role: 'system', text: `满意度评分：${rating}` },
    ])
    if (!rule?.followUp) return { goodExample: !!rule?.goodExample }
    const { owner, hours, priority } = rule.followUp
    // Opened for the hospital's own call back, not in the patient's language.
    const { sessionId, channel } = conversation
    const followUp: Ticket = {
      ...this.newTicket({ sessionId, channel }, 'satisfaction_follow_up', priority, {
        rating,
        ...(ticketId ? { ratedTicket: ticketId } : {}),
      }),
      id: `F${ticketSuffix()}`,
      owner,
      dueAt: new Date(at.getTime() + hours * 3_600_000).toISOString(),
    }
    await this.stores.tickets.create(followUp)
    await this.stores.events.publish(QUEUE_TOPIC, { type: 'ticket', action: 'follow_up', ticket: followUp })
    return { followUp: { owner, hours, ticketId: followUp.id }, goodExample: false }
  }

  async announce(
    ticketId: string,
    event: { type: 'ticket' | 'message'; action: string; entry: TranscriptEntry },
  ): Promise<void> {
    const ticket = await this.stores.tickets.get(ticketId)
    await this.stores.events.publish(QUEUE_TOPIC, { ...event, ticket })
  }

  /**
   * A channel that can refuse an agent's reply (WeChat's official account may write to a patient only
   * within 48 hours of their last message): the agent is told at once, instead of the reply being lost.
   */
  reachVia(channel: string, check: ReachCheck): void {
    this.reachChecks.set(channel, check)
  }

  async queue(now = this.clock()): Promise<QueueItem[]> {
    const open = await this.stores.tickets.list({ status: OPEN_STATUSES })
    return open.sort(byQueueOrder).map((t) => ({ ...t, clocks: clocksFor(t, this.levels, now) }))
  }

  async view(
    id: string,
    now = this.clock(),
  ): Promise<{ ticket: QueueItem; transcript: TranscriptEntry[] } | undefined> {
    const ticket = await this.stores.tickets.get(id)
    if (!ticket) return undefined
    return {
      ticket: { ...ticket, clocks: clocksFor(ticket, this.levels, now) },
      transcript: await this.stores.transcripts.list(ticket.sessionId),
    }
  }

  claim(id: string, agent: Agent): Promise<Ticket> {
    return this.move(id, 'claim', { assignee: agent.id })
  }

  async reply(id: string, agent: Agent, text: string): Promise<Ticket> {
    const current = await this.mine(id, agent)
    const check = this.reachChecks.get(current.channel)
    if (check && !(await check(current))) throw new PatientUnreachableError(id)
    const at = this.clock().toISOString()
    const ticket = await this.move(id, 'reply', current.firstResponseAt ? {} : { firstResponseAt: at })
    await this.stores.transcripts.append(ticket.sessionId, [{ at, role: 'agent', text, agentId: agent.id }])
    await this.tellPatient(ticket, { type: 'agent', text, at, ticketId: id, agentName: agent.displayName })
    return ticket
  }

  /** To another agent, or back to the queue when no agent is named. */
  async transfer(id: string, agent: Agent, toAgentId?: string): Promise<Ticket> {
    await this.mine(id, agent)
    // A ticket assigned to nobody who can sign in would wait unseen, off every console's queue.
    const target = toAgentId ? await this.stores.agents.get(toAgentId) : undefined
    if (toAgentId && (!target || target.deactivatedAt)) throw new NoSuchAgentError(toAgentId)
    return toAgentId
      ? this.move(id, 'transfer', { assignee: toAgentId })
      : this.move(id, 'release', { assignee: undefined })
  }

  /** A medical-quality complaint reported to the medical affairs office: stops its escalation clock. */
  async escalate(id: string, agent: Agent): Promise<Ticket> {
    const current = await this.owned(id, agent)
    const to = this.levels.escalation[String(current.detail.category ?? '')]?.to ?? '医务处'
    return this.move(id, 'escalate', {
      escalatedAt: this.clock().toISOString(),
      detail: { escalatedTo: to, escalatedBy: agent.displayName },
    })
  }

  async handBack(id: string, agent: Agent): Promise<Ticket> {
    await this.mine(id, agent)
    const ticket = await this.move(id, 'handBack', {
      closedAt: this.clock().toISOString(),
      outcome: 'handed_back',
    })
    await this.release(ticket, this.messages(ticket.language).handBack, 'handBack')
    return ticket
  }

  /** "The agent is typing…" to the patient, from the agent working the ticket. */
  async typing(id: string, agent: Agent): Promise<void> {
    const ticket = await this.owned(id, agent)
    await this.stores.events.publish(sessionTopic(ticket.sessionId), {
      type: 'typing',
      at: this.clock().toISOString(),
      ticketId: ticket.id,
    })
  }

  async close(id: string, agent: Agent, outcome: string): Promise<Ticket> {
    await this.owned(id, agent)
    const ticket = await this.move(id, 'close', { closedAt: this.clock().toISOString(), outcome })
    await this.release(ticket, this.messages(ticket.language).closed, 'close')
    return ticket
  }

  /** A ticket another agent has taken is theirs, or an admin's, to close, escalate or type on. */
  private async owned(id: string, agent: Agent): Promise<Ticket> {
    return agent.role === 'admin' ? this.existing(id) : this.mine(id, agent)
  }

  private async existing(id: string): Promise<Ticket> {
    const t = await this.stores.tickets.get(id)
    if (!t) throw new TicketNotFoundError(id)
    return t
  }

  private async mine(id: string, agent: Agent): Promise<Ticket> {
    const t = await this.existing(id)
    if (t.status === 'assigned' && t.assignee !== agent.id) throw new NotYourTicketError(id)
    return t
  }

  private async move(id: string, action: TicketAction, patch: TicketPatch): Promise<Ticket> {
    const { from, to } = compareAndSet(action)
    const ticket = await this.stores.tickets.transition(id, from, { ...patch, ...(to ? { status: to } : {}) })
    await this.stores.events.publish(QUEUE_TOPIC, { type: 'ticket', action, ticket })
    return ticket
  }

  /**
   * Changes the conversation's ticket. One that storage no longer has (its journal line was damaged)
   * is opened again under a new id with the change, so the patient still reaches a person.
   */
  private async change(conversation: Conversation, ref: HandoffRef, patch: TicketPatch): Promise<string> {
    try {
      await this.stores.tickets.update(ref.ticketId, { ...patch, updatedAt: this.clock().toISOString() })
      return ref.ticketId
    } catch (err) {
      if (!(err instanceof TicketNotFoundError)) throw err
      const detail = { ...patch.detail, replacesMissing: ref.ticketId }
      const ticket = this.newTicket(conversation, ref.reason, ref.priority, detail)
      this.log.error(
        { sessionId: conversation.sessionId, missing: ref.ticketId, ticketId: ticket.id },
        "the conversation's ticket is missing from storage: opened a new one",
      )
      await this.stores.tickets.create(ticket)
      return ticket.id
    }
  }

  /** A conversation's new ticket, queued: the lifecycle's `open`. */
  private newTicket(
    { sessionId, channel, language }: Patient,
    reason: TicketReason,
    priority: Priority,
    detail: Ticket['detail'],
  ): Ticket {
    const at = this.clock().toISOString()
    return {
      id: `T${ticketSuffix()}`,
      sessionId,
      channel,
      reason,
      priority,
      status: nextStatus('new', 'open'),
      detail,
      ...(language ? { language } : {}),
      createdAt: at,
      updatedAt: at,
    }
  }

  /** The conversation goes back to the bot: the session forgets the ticket, the patient is told. */
  private async release(ticket: Ticket, text: string, action: string): Promise<void> {
    const session = await this.stores.sessions.get(ticket.sessionId)
    if (session?.state.handoff?.ticketId === ticket.id) {
      const { handoff: _done, ...state } = session.state
      // The conversation with a person ended: the next message may be the patient's rating. Its token
      // rotates (the patient gets the new one with their next reply).
      await this.stores.sessions.put({
        ...session,
        ...(session.owner ? { owner: rotated(session.owner) } : {}),
        state: { ...state, failures: 0, awaitingRating: { ticketId: ticket.id } },
        updatedAt: this.clock().toISOString(),
      })
    }
    const at = this.clock().toISOString()
    await this.stores.transcripts.append(ticket.sessionId, [{ at, role: 'system', text }])
    await this.tellPatient(ticket, { type: 'system', text, at, ticketId: ticket.id, action })
  }

  /** On the patient's own session (web widget) and on their channel's topic (WeChat adapter). */
  private async tellPatient(ticket: Ticket, event: PatientEvent): Promise<void> {
    await this.stores.events.publish(sessionTopic(ticket.sessionId), event)
    await this.stores.events.publish(`channel:${ticket.channel}`, { ...event, sessionId: ticket.sessionId })
  }
}

function ticketSuffix(): string {
  // randomUUID draws from a cached entropy pool: randomBytes(3) was a syscall per ticket.
  return `${Date.now().toString(36).toUpperCase()}${randomUUID().slice(0, 6).toUpperCase()}`
}
