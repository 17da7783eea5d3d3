import type { Ticket, TranscriptEntry } from '../storage/types.js'
import type { HandoffRef, HandoffRequest } from './types.js'

/** The conversation a ticket is about, and the language its patient is answered in. */
export interface Conversation {
  sessionId: string
  channel: string
  language: string
}

export interface RatingOutcome {
  /** A low rating: who must call the patient back, within how many hours. */
  followUp?: { owner: string; hours: number; ticketId: string }
  goodExample: boolean
}

/**
 * What the dialogue asks of the human side (handoff/service.ts implements it). The dialogue never
 * writes a ticket itself: one writer keeps each change whole (a raised priority used to replace the
 * ticket's detail, callback number included).
 */
export interface TicketDesk {
  /**
   * Opens the conversation's ticket, queued for a person. The ticket comes back at once, so its id
   * reaches the patient even when storage fails to keep it; `stored` settles with the write.
   */
  open(conversation: Conversation, request: HandoffRequest): { ticket: Ticket; stored: Promise<void> }
  /**
   * A handoff asked for again while the conversation is with a person: a higher priority raises the
   * ticket, never a second one. Resolves to the conversation's ticket id (a new ticket's, when storage
   * has lost the one it had).
   */
  raise(conversation: Conversation, current: HandoffRef, request: HandoffRequest): Promise<string>
  /** The number a person should call the patient back on; resolves to the ticket id as `raise` does. */
  setCallback(conversation: Conversation, current: HandoffRef, phone: string): Promise<string>
  /** The patient's 1-5 rating of a conversation (of the ticket it was about, if any). */
  rate(conversation: Conversation, rating: number, ticketId?: string): Promise<RatingOutcome>
  /** Tells the consoles what happened in a conversation with a ticket (the patient's message). */
  announce(
    ticketId: string,
    event: { type: 'ticket' | 'message'; action: string; entry: TranscriptEntry },
  ): Promise<void>
}
