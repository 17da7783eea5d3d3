import type { TicketStatus } from '../storage/types.js'

/**
 * The handoff lifecycle as a table: what may happen to a ticket in each state. A move that is not in
 * the table is an error the API reports (409), never a silent change.
 *   (new) ──open──▶ queued ──claim──▶ assigned ──handBack──▶ resolved (the bot answers again)
 *                    │  ↺ escalate      │  ├──transfer──▶ assigned (another agent) / queued
 *                    └────close─────────┴──close──▶ closed (with an outcome)
 * Changes that are no move (a raised priority, a callback number, a rating) are field updates: they
 * are allowed in any state, so a patient's emergency is stored whatever an agent did meanwhile.
 */
export const TICKET_ACTIONS = [
  'open',
  'claim',
  'reply',
  'transfer',
  'release',
  'escalate',
  'handBack',
  'close',
] as const
export type TicketAction = (typeof TICKET_ACTIONS)[number]

/** Before a ticket exists: only `open` leaves it. */
export type LifecycleState = TicketStatus | 'new'

const TRANSITIONS: Record<LifecycleState, Partial<Record<TicketAction, TicketStatus>>> = {
  new: { open: 'queued' },
  queued: { claim: 'assigned', escalate: 'queued', close: 'closed' },
  assigned: {
    reply: 'assigned',
    transfer: 'assigned',
    release: 'queued',
    escalate: 'assigned',
    handBack: 'resolved',
    close: 'closed',
  },
  resolved: {},
  closed: {},
}

export class IllegalTransitionError extends Error {
  constructor(
    readonly from: LifecycleState,
    readonly action: TicketAction,
  ) {
    super(`cannot ${action} a ticket that is ${from}`)
  }
}

/** The status after `action`, or an IllegalTransitionError. */
export function nextStatus(from: LifecycleState, action: TicketAction): TicketStatus {
  const to = TRANSITIONS[from][action]
  if (!to) throw new IllegalTransitionError(from, action)
  return to
}

/**
 * `action` as one atomic compare-and-set on a stored ticket: the statuses it is allowed from, and the
 * status it writes. An action either leads to one status whatever it starts from, or keeps the status
 * it found (`to` absent); the table is checked to hold one of the two (tests/handoff/lifecycle.test.ts).
 */
export function compareAndSet(action: TicketAction): { from: TicketStatus[]; to?: TicketStatus } {
  const from = STORED.filter((s) => TRANSITIONS[s][action])
  if (!from.length) throw new Error(`${action} is no move of a stored ticket`)
  if (from.every((s) => TRANSITIONS[s][action] === s)) return { from }
  const targets = new Set(from.map((s) => TRANSITIONS[s][action]))
  if (targets.size === 1) return { from, to: [...targets][0]! }
  throw new Error(`${action} leads to different statuses from different ones: not one compare-and-set`)
}

const STORED = Object.keys(TRANSITIONS).filter((s): s is TicketStatus => s !== 'new')

export const OPEN_STATUSES: TicketStatus[] = ['queued', 'assigned']
