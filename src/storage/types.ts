import type { Action, DialogueState, HandoffReason, Priority } from '../dialogue/types.js'

export const TICKET_STATUSES = ['queued', 'assigned', 'resolved', 'closed'] as const
export type TicketStatus = (typeof TICKET_STATUSES)[number]

export interface Ticket {
  id: string
  sessionId: string
  channel: string
  reason: HandoffReason
  priority: Priority
  status: TicketStatus
  detail: Record<string, string | number>
  createdAt: string
  updatedAt: string
}

export interface TranscriptEntry {
  at: string
  role: 'patient' | 'bot' | 'agent' | 'system'
  text: string
  action?: Action
  intent?: string | null
  confidence?: number
  sentiment?: number
  reason?: string
}

export interface SessionRecord {
  sessionId: string
  channel: string
  createdAt: string
  updatedAt: string
  state: DialogueState
}

export interface SessionStore {
  get(sessionId: string): Promise<SessionRecord | undefined>
  put(record: SessionRecord): Promise<void>
}

export interface TicketStore {
  create(ticket: Ticket): Promise<void>
  get(id: string): Promise<Ticket | undefined>
  update(id: string, patch: Partial<Omit<Ticket, 'id' | 'createdAt'>>): Promise<Ticket>
  list(filter?: { status?: TicketStatus[] }): Promise<Ticket[]>
}

export interface TranscriptStore {
  append(sessionId: string, entries: TranscriptEntry[]): Promise<void>
  list(sessionId: string): Promise<TranscriptEntry[]>
}

/** The storage a running bot needs; one embedded implementation, one Redis (REDIS_URL). */
export interface Stores {
  kind: 'embedded' | 'redis'
  /** Where the embedded store keeps its files. */
  dataDir?: string
  sessions: SessionStore
  tickets: TicketStore
  transcripts: TranscriptStore
  /** One turn of a conversation, its transcript entries and the new state, written together. */
  recordTurn(session: SessionRecord, entries: TranscriptEntry[]): Promise<void>
  close(): Promise<void>
}
