import type { TicketStatus } from '../storage/types.js'

/**
 * The handoff lifecycle as a table: what an agent may do to a ticket in each state. A move that is
 * not in the table is an error the API reports (409), never a silent change.
 *   queued ──claim──▶ assigned ──handBack──▶ resolved (the bot answers again)
 *     │                 │  ├──transfer──▶ assigned (another agent) / queued
 *     └────close────────┴──close──▶ closed (with an outcome)
 */
export const TICKET_ACTIONS = ['claim', 'reply', 'transfer', 'release', 'handBack', 'close'] as const
export type TicketAction = (typeof TICKET_ACTIONS)[number]

const TRANSITIONS: Record<TicketStatus, Partial<Record<TicketAction, TicketStatus>>> = {
  queued: { claim: 'assigned', close: 'closed' },
  assigned: {
    reply: 'assigned',
    transfer: 'assigned',
    release: 'queued',
    handBack: 'resolved',
    close: 'closed',
  },
  resolved: {},
  closed: {},
}

export class IllegalTransitionError extends Error {
  constructor(
    readonly from: TicketStatus,
    readonly action: TicketAction,
  ) {
    super(`cannot ${action} a ticket that is ${from}`)
  }
}

/** The status after `action`, or an IllegalTransitionError. */
export function nextStatus(from: TicketStatus, action: TicketAction): TicketStatus {
  const to = TRANSITIONS[from][action]
  if (!to) throw new IllegalTransitionError(from, action)
  return to
}

/** Statuses from which `action` is allowed: what an atomic compare-and-set checks. */
export function allowedFrom(action: TicketAction): TicketStatus[] {
  return (Object.keys(TRANSITIONS) as TicketStatus[]).filter((s) => TRANSITIONS[s][action])
}

export const OPEN_STATUSES: TicketStatus[] = ['queued', 'assigned']
