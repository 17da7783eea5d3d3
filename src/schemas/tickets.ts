import { Type } from '@sinclair/typebox'
import { ACTIONS, PRIORITIES } from '../dialogue/types.js'
import { TICKET_STATUSES } from '../storage/types.js'
import { literals } from './chat.js'

/** What a request that only acts answers. */
export const Ok = Type.Object({ ok: Type.Boolean() })

const ticketFields = {
  id: Type.String(),
  sessionId: Type.String(),
  channel: Type.String(),
  // Handoff reasons, and the follow-up a low rating opens; more may be added.
  reason: Type.String(),
  priority: literals(PRIORITIES),
  status: literals(TICKET_STATUSES),
  detail: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()]), {
    description: 'Why, for the agent: category, level, the words that matched, the callback number…',
  }),
  language: Type.Optional(Type.String()),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  assignee: Type.Optional(Type.String()),
  firstResponseAt: Type.Optional(Type.String()),
  escalatedAt: Type.Optional(Type.String()),
  closedAt: Type.Optional(Type.String()),
  outcome: Type.Optional(Type.String()),
  rating: Type.Optional(Type.Number()),
  owner: Type.Optional(Type.String()),
  dueAt: Type.Optional(Type.String()),
}
export const Ticket = Type.Object(ticketFields)

export const ServiceClock = Type.Object({
  name: Type.String(),
  dueAt: Type.String(),
  breached: Type.Boolean(),
  met: Type.Boolean(),
  label: Type.String(),
})

/** A ticket in the queue, with the hospital's clocks running on it. */
export const QueueItem = Type.Object({ ...ticketFields, clocks: Type.Array(ServiceClock) })

export const TranscriptEntry = Type.Object({
  at: Type.String(),
  role: literals(['patient', 'bot', 'agent', 'system'] as const),
  text: Type.String(),
  action: Type.Optional(literals(ACTIONS)),
  intent: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  confidence: Type.Optional(Type.Number()),
  sentiment: Type.Optional(Type.Number()),
  reason: Type.Optional(Type.String()),
  agentId: Type.Optional(Type.String()),
})
