import path from 'node:path'
import { Journal } from './journal.js'
import type { SessionRecord, SessionStore, Stores, Ticket, TicketStore, TranscriptEntry, TranscriptStore } from './types.js'

export class TicketNotFoundError extends Error {
  constructor(readonly ticketId: string) { super(`ticket ${ticketId} not found`) }
}

/** Embedded default: state in memory, every change in an fsync'd journal under DATA_DIR. */
class EmbeddedSessions implements SessionStore {
  private readonly map = new Map<string, SessionRecord>()
  readonly journal: Journal<SessionRecord>
  constructor(file: string) {
    this.journal = Journal.open<SessionRecord>(file, (r) => this.map.set(r.sessionId, r), () => [...this.map.values()])
  }
  async get(id: string) { return this.map.get(id) }
  async put(record: SessionRecord) {
    await this.journal.append(record)
    this.map.set(record.sessionId, record)
  }
}

class EmbeddedTickets implements TicketStore {
  private readonly map = new Map<string, Ticket>()
  readonly journal: Journal<Ticket>
  constructor(file: string) {
    this.journal = Journal.open<Ticket>(file, (t) => this.map.set(t.id, t), () => [...this.map.values()])
  }
  async create(ticket: Ticket) {
    await this.journal.append(ticket)
    this.map.set(ticket.id, ticket)
  }
  async get(id: string) { return this.map.get(id) }
  async update(id: string, patch: Partial<Omit<Ticket, 'id' | 'createdAt'>>) {
    const current = this.map.get(id)
    if (!current) throw new TicketNotFoundError(id)
    const next: Ticket = { ...current, ...patch, id, createdAt: current.createdAt, updatedAt: patch.updatedAt ?? new Date().toISOString() }
    await this.journal.append(next)
    this.map.set(id, next)
    return next
  }
  async list(filter: { status?: Ticket['status'][] } = {}) {
    return [...this.map.values()].filter((t) => !filter.status || filter.status.includes(t.status))
  }
}

interface TranscriptLine { sessionId: string; entry: TranscriptEntry }

class EmbeddedTranscripts implements TranscriptStore {
  private readonly map = new Map<string, TranscriptEntry[]>()
  readonly journal: Journal<TranscriptLine>
  constructor(file: string) {
    this.journal = Journal.open<TranscriptLine>(
      file,
      (l) => this.map.set(l.sessionId, [...(this.map.get(l.sessionId) ?? []), l.entry]),
      () => [...this.map].flatMap(([sessionId, entries]) => entries.map((entry) => ({ sessionId, entry }))),
    )
  }
  async append(sessionId: string, entries: TranscriptEntry[]) {
    await Promise.all(entries.map((entry) => this.journal.append({ sessionId, entry })))
    const list = this.map.get(sessionId) ?? []
    list.push(...entries)
    this.map.set(sessionId, list)
  }
  async list(sessionId: string) { return [...(this.map.get(sessionId) ?? [])] }
}

export function openEmbeddedStores(dataDir: string): Stores {
  const sessions = new EmbeddedSessions(path.join(dataDir, 'sessions.ndjson'))
  const tickets = new EmbeddedTickets(path.join(dataDir, 'tickets.ndjson'))
  const transcripts = new EmbeddedTranscripts(path.join(dataDir, 'transcripts.ndjson'))
  return {
    kind: 'embedded', dataDir, sessions, tickets, transcripts,
    async close() { await Promise.all([sessions.journal.close(), tickets.journal.close(), transcripts.journal.close()]) },
  }
}
