import path from 'node:path'
import { Journal } from './journal.js'
import type { SessionRecord, Stores, Ticket, TranscriptEntry } from './types.js'

export class TicketNotFoundError extends Error {
  constructor(readonly ticketId: string) { super(`ticket ${ticketId} not found`) }
}

/** One journal for every collection, so a message's writes share one write and one fsync. */
type JournalRecord =
  | { c: 'session'; record: SessionRecord }
  | { c: 'ticket'; ticket: Ticket }
  | { c: 'transcript'; sessionId: string; entry: TranscriptEntry }
  | { c: 'turn'; record: SessionRecord; entries: TranscriptEntry[] }

/** Embedded default: state in memory, every change in an append-only journal under DATA_DIR. */
export function openEmbeddedStores(dataDir: string): Stores {
  const sessions = new Map<string, SessionRecord>()
  const tickets = new Map<string, Ticket>()
  const transcripts = new Map<string, TranscriptEntry[]>()
  const addEntries = (sessionId: string, entries: TranscriptEntry[]) => {
    const list = transcripts.get(sessionId)
    if (list) list.push(...entries); else transcripts.set(sessionId, [...entries])
  }
  const journal = Journal.open<JournalRecord>(
    path.join(dataDir, 'journal.ndjson'),
    (r) => {
      if (r.c === 'session') sessions.set(r.record.sessionId, r.record)
      else if (r.c === 'ticket') tickets.set(r.ticket.id, r.ticket)
      else if (r.c === 'transcript') addEntries(r.sessionId, [r.entry])
      else if (r.c === 'turn') { sessions.set(r.record.sessionId, r.record); addEntries(r.record.sessionId, r.entries) }
    },
    () => [
      ...[...tickets.values()].map((ticket) => ({ c: 'ticket' as const, ticket })),
      ...[...sessions.values()].map((record) => ({ c: 'session' as const, record })),
      ...[...transcripts].flatMap(([sessionId, entries]) => entries.map((entry) => ({ c: 'transcript' as const, sessionId, entry }))),
    ],
  )

  return {
    kind: 'embedded',
    dataDir,
    sessions: {
      async get(id) { return sessions.get(id) },
      async put(record) {
        await journal.append({ c: 'session', record })
        sessions.set(record.sessionId, record)
      },
    },
    tickets: {
      // A handoff must survive even a power cut: ticket writes wait for fsync.
      async create(ticket) {
        await journal.append({ c: 'ticket', ticket }, { sync: true })
        tickets.set(ticket.id, ticket)
      },
      async get(id) { return tickets.get(id) },
      async update(id, patch) {
        const current = tickets.get(id)
        if (!current) throw new TicketNotFoundError(id)
        const next: Ticket = { ...current, ...patch, id, createdAt: current.createdAt, updatedAt: patch.updatedAt ?? new Date().toISOString() }
        await journal.append({ c: 'ticket', ticket: next }, { sync: true })
        tickets.set(id, next)
        return next
      },
      async list(filter = {}) {
        return [...tickets.values()].filter((t) => !filter.status || filter.status.includes(t.status))
      },
    },
    transcripts: {
      async append(sessionId, entries) {
        await Promise.all(entries.map((entry) => journal.append({ c: 'transcript', sessionId, entry })))
        addEntries(sessionId, entries)
      },
      async list(sessionId) { return [...(transcripts.get(sessionId) ?? [])] },
    },
    async recordTurn(record, entries) {
      await journal.append({ c: 'turn', record, entries })
      sessions.set(record.sessionId, record)
      addEntries(record.sessionId, entries)
    },
    close: () => journal.close(),
  }
}
