import type { Action, DialogueState, Priority, TicketReason } from '../dialogue/types.js'
import type { KnowledgeSource } from '../knowledge-base/load.js'

export const TICKET_STATUSES = ['queued', 'assigned', 'resolved', 'closed'] as const
export type TicketStatus = (typeof TICKET_STATUSES)[number]

export interface Ticket {
  id: string
  sessionId: string
  channel: string
  reason: TicketReason
  priority: Priority
  status: TicketStatus
  detail: Record<string, string | number>
  /** The patient's language (zh, en…): the console shows it so the agent answers in it. */
  language?: string
  createdAt: string
  updatedAt: string
  /** The agent working on it (status assigned). */
  assignee?: string
  firstResponseAt?: string
  escalatedAt?: string
  closedAt?: string
  outcome?: string
  /** The patient's 1-5 rating of the conversation this ticket was about. */
  rating?: number
  /** Who must act on a follow-up ticket (office director, service specialist). */
  owner?: string
  dueAt?: string
}

export class TicketNotFoundError extends Error {
  constructor(readonly ticketId: string) {
    super(`ticket ${ticketId} not found`)
  }
}

export class TicketConflictError extends Error {
  constructor(
    readonly ticketId: string,
    readonly status: TicketStatus,
  ) {
    super(`ticket ${ticketId} is ${status}`)
  }
}

export const ROLES = ['agent', 'admin'] as const
export type Role = (typeof ROLES)[number]
export const PRESENCE = ['online', 'away', 'offline'] as const
export type Presence = (typeof PRESENCE)[number]

export interface Agent {
  id: string
  username: string
  displayName: string
  role: Role
  passwordHash: string
  createdAt: string
  /** Set when an admin deactivates the account: it cannot sign in, and its tokens stop working. */
  deactivatedAt?: string
  /** Tokens carry the generation they were issued in; an admin's revocation moves it on. */
  tokenGeneration?: number
}
export interface AuthToken {
  tokenHash: string
  agentId: string
  expiresAt: string
  generation?: number
}

/** Agents and admins, their sign-in tokens and whether they are on duty. */
export interface AgentStore {
  create(agent: Agent): Promise<void>
  /** Replaces an account's record (deactivation, token revocation); the username stays. */
  update(agent: Agent): Promise<void>
  get(id: string): Promise<Agent | undefined>
  byUsername(username: string): Promise<Agent | undefined>
  list(): Promise<Agent[]>
  saveToken(token: AuthToken): Promise<void>
  token(tokenHash: string): Promise<AuthToken | undefined>
  revokeToken(tokenHash: string): Promise<void>
  setPresence(agentId: string, presence: Presence, at: string): Promise<void>
  presence(): Promise<Record<string, { presence: Presence; at: string }>>
}

export interface KnowledgeVersion {
  version: number
  author: string
  at: string
  note?: string
  changes: string[]
  source: KnowledgeSource
}
export type KnowledgeVersionInfo = Omit<KnowledgeVersion, 'source'>
export interface KnowledgeDraft {
  source: KnowledgeSource
  author: string
  at: string
}
export interface AuditEntry {
  at: string
  actor: string
  action: string
  detail: Record<string, unknown>
}

/** Published versions of the knowledge base (history, rollback), the shared draft, the audit log. */
export interface KnowledgeStore {
  latest(): Promise<KnowledgeVersion | undefined>
  get(version: number): Promise<KnowledgeVersion | undefined>
  list(): Promise<KnowledgeVersionInfo[]>
  /** Stores a new version with the next number (atomically, across instances). */
  publish(v: Omit<KnowledgeVersion, 'version'>): Promise<KnowledgeVersion>
  draft(): Promise<KnowledgeDraft | undefined>
  saveDraft(draft: KnowledgeDraft | undefined): Promise<void>
  audit(entry: AuditEntry): Promise<void>
  auditLog(limit?: number): Promise<AuditEntry[]>
}

/** Events to consoles and channels ("ticket changed", "agent replied"), across instances with Redis. */
export interface EventBus {
  publish(topic: string, event: unknown): Promise<void>
  subscribe(topic: string, handler: (event: unknown) => void): Promise<() => Promise<void>>
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
  /** Who wrote an agent message. */
  agentId?: string
}

/**
 * Who owns a conversation: the nonce its session token (auth/session-token.ts) is signed with, stored on the conversation when its
 * first message is. After a rotation (the conversation handed back to the bot) the previous nonce
 * still proves ownership until the patient's next message, whose reply carries the new token: a
 * client that polls or reconnects before writing again is not locked out.
 */
export interface SessionOwner {
  nonce: string
  previous?: string
}

export interface SessionRecord {
  sessionId: string
  channel: string
  createdAt: string
  updatedAt: string
  state: DialogueState
  /** Whose conversation it is (its session token's nonce); absent for server-side channels (WeChat). */
  owner?: SessionOwner
}

export interface SessionStore {
  get(sessionId: string): Promise<SessionRecord | undefined>
  put(record: SessionRecord): Promise<void>
}

/** What a patient's right to deletion and the retention period remove (PIPL). */
export interface PrivacyStore {
  /** Deletes the conversation state and transcript; its tickets keep only what statistics need. */
  forget(sessionId: string): Promise<{ transcriptEntries: number; tickets: number }>
  /** Deletes transcript entries older than `before` (and conversations idle since then). */
  prune(before: Date): Promise<{ transcriptEntries: number; sessions: number }>
}

/**
 * A patch's `detail` is merged into the ticket's (keys added or replaced, never dropped): two writers
 * adding to one ticket (an emergency raising it, the patient's callback number) keep each other's keys,
 * without reading the ticket first, which an emergency while storage is down could not.
 */
export type TicketPatch = Partial<Omit<Ticket, 'id' | 'createdAt'>>

/** A ticket with `patch` applied (the embedded store and the outbox; Redis does the same in Lua). */
export function patched(ticket: Ticket, patch: TicketPatch): Ticket {
  return { ...ticket, ...patch, detail: { ...ticket.detail, ...patch.detail } }
}

export interface TicketStore {
  create(ticket: Ticket): Promise<void>
  get(id: string): Promise<Ticket | undefined>
  update(id: string, patch: TicketPatch): Promise<Ticket>
  list(filter?: { status?: TicketStatus[] }): Promise<Ticket[]>
  /** Compare-and-set: applies `patch` only if the ticket's status is one of `from` (atomic). */
  transition(id: string, from: TicketStatus[], patch: TicketPatch): Promise<Ticket>
}

export interface TranscriptStore {
  append(sessionId: string, entries: TranscriptEntry[]): Promise<void>
  list(sessionId: string): Promise<TranscriptEntry[]>
  /** Every conversation with a transcript (reports). */
  sessionIds(): Promise<string[]>
}

/** Events counted per key in a sliding window (rate limits), shared by every instance on the storage. */
export interface RateStore {
  /** Counts one event for `key` unless `max` already happened in the last `windowMs`: then the ms to wait. */
  hit(key: string, max: number, windowMs: number): Promise<number>
}

/** An account locked for one address after too many wrong passwords from it. */
export interface Lockout {
  username: string
  ip: string
  until: string
}
export interface LockoutPolicy {
  /** Wrong passwords from one address for one username within `windowMs`… */
  max: number
  windowMs: number
  /** …lock that pair (only) for this long. */
  lockMs: number
}

/**
 * Failed sign-ins counted per username and address together (issue 17): wrong passwords from one
 * address lock that address out of that account, never the account's owner at another address.
 * Times are the app's clock (ms); with Redis, every instance shares the counts and lockouts.
 */
export interface SignInStore {
  /** Counts one wrong password; when it reaches the limit, the pair is locked: returns until when. */
  fail(username: string, ip: string, now: number, policy: LockoutPolicy): Promise<number | undefined>
  lockedUntil(username: string, ip: string, now: number): Promise<number | undefined>
  /** A correct password clears that address's failures. */
  clear(username: string, ip: string): Promise<void>
  lockouts(now: number): Promise<Lockout[]>
  /** Lifts the account's lockouts (from one address, or all): how many were lifted. */
  lift(username: string, ip?: string): Promise<number>
}

/** The storage a running bot needs; one embedded implementation, one Redis (REDIS_URL). */
export interface Stores {
  kind: 'embedded' | 'redis'
  /** Where the embedded store keeps its files. */
  dataDir?: string
  sessions: SessionStore
  tickets: TicketStore
  transcripts: TranscriptStore
  agents: AgentStore
  knowledge: KnowledgeStore
  privacy: PrivacyStore
  events: EventBus
  rates: RateStore
  signIns: SignInStore
  /** A random secret shared by every instance on this storage (signs patients' session tokens). */
  secret(): Promise<string>
  /** One turn of a conversation, its transcript entries and the new state, written together. */
  recordTurn(session: SessionRecord, entries: TranscriptEntry[]): Promise<void>
  close(): Promise<void>
}
