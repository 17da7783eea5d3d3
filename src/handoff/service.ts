import {
  TicketNotFoundError,
  type Stores,
  type Ticket,
  type TranscriptEntry,
  type Agent,
} from '../storage/types.js'
import { allowedFrom, nextStatus, OPEN_STATUSES, type TicketAction } from './lifecycle.js'
import { systemClock, type Clock as AppClock } from '../clock.js'
import { rotated } from '../auth/session-token.js'
import { byQueueOrder, clocksFor, type Clock, type ServiceLevels } from './service-levels.js'

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

export class NotYourTicketError extends Error {
  constructor(readonly ticketId: string) {
    super(`ticket ${ticketId} is assigned to another agent`)
  }
}

/** A reply the patient's channel cannot deliver now (WeChat's 48-hour window has closed). */
export class PatientUnreachableError extends Error {
  constructor(readonly ticketId: string) {
    super(`the patient of ticket ${ticketId} can no longer be written to on their channel`)
  }
}

/** Whether the channel can deliver an agent's reply to this ticket's patient now. */
export type ReachCheck = (ticket: Ticket) => Promise<boolean>

/** A transfer to an account that does not exist or was deactivated. */
export class NoSuchAgentError extends Error {
  constructor(readonly agentId: string) {
    super(`no active agent ${agentId}`)
  }
}

/**
 * What agents do with handed-off conversations. Every change is a compare-and-set on the ticket's
 * status (so two agents, even on two instances, cannot both claim one), and is published to the
 * consoles; what the patient should see is published to the patient's own channel.
 */
export class HandoffService {
  private readonly reachChecks = new Map<string, ReachCheck>()

  constructor(
    private readonly stores: Stores,
    private readonly levels: ServiceLevels,
    private readonly messages: (lang?: string) => { handBack: string; closed: string },
    private readonly clock: AppClock = systemClock,
  ) {}

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
    const ticket = await this.stores.tickets.transition(id, OPEN_STATUSES, {
      escalatedAt: this.clock().toISOString(),
      detail: { ...current.detail, escalatedTo: to, escalatedBy: agent.displayName },
    })
    await this.stores.events.publish(QUEUE_TOPIC, { type: 'ticket', action: 'escalate', ticket })
    return ticket
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

  private async move(id: string, action: TicketAction, patch: Partial<Ticket>): Promise<Ticket> {
    // Every action leads to one status whatever it starts from, so the compare-and-set carries it.
    const from = allowedFrom(action)
    const ticket = await this.stores.tickets.transition(id, from, {
      ...patch,
      status: nextStatus(from[0]!, action),
    })
    await this.stores.events.publish(QUEUE_TOPIC, { type: 'ticket', action, ticket })
    return ticket
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
