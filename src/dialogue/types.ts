export const ACTIONS = ['answer', 'clarify', 'handoff', 'fallback'] as const
export type Action = (typeof ACTIONS)[number]
export const PRIORITIES = ['urgent', 'high', 'normal'] as const
export type Priority = (typeof PRIORITIES)[number]
export const HANDOFF_REASONS = [
  'emergency',
  'complaint',
  'negative_sentiment',
  'human_requested',
  'medical_advice',
  'repeated_failure',
  // A message in a language the bot does not answer in: a person calls an interpreter.
  'interpreter',
] as const
export type HandoffReason = (typeof HANDOFF_REASONS)[number]

export interface HandoffRef {
  ticketId: string
  reason: HandoffReason
  priority: Priority
}

/** Tickets that are not a live conversation: follow-ups the hospital owes after a low rating. */
export type TicketReason = HandoffReason | 'satisfaction_follow_up'

/** What the bot remembers of a conversation between turns. */
export interface DialogueState {
  lastIntent?: string
  place?: { ids: string[]; text: string }
  exam?: { id: string; text: string }
  /** Fallbacks and clarifies in a row: the second offers a person, the third hands off. */
  failures: number
  handoff?: HandoffRef
  /** The conversation's language: kept for messages that do not show one ("1", "?"). */
  lang?: string
  /** The bot asked for a 1-5 rating (after a person's help ended, or a goodbye). */
  awaitingRating?: { ticketId?: string }
}

export interface HandoffRequest {
  reason: HandoffReason
  priority: Priority
  /** Why, for the agent: emergency category, complaint category and level, the words that matched. */
  detail: Record<string, string | number>
}

export interface Decision {
  action: Action
  reply: string
  intent: string | null
  confidence: number
  suggestions: string[]
  /** A ticket to open, or to raise in priority when the conversation is already with a person. */
  handoff?: HandoffRequest
  state: DialogueState
}
