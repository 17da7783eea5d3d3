import { EventEmitter } from 'node:events'
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { Journal, type JournalLog } from './journal.js'
import { systemClock, type Clock } from '../clock.js'
import { MemoryRates } from './rates.js'
import { MemorySignIns } from './sign-ins.js'
import { PRIORITIES } from '../dialogue/types.js'
import {
  TICKET_STATUSES,
  TicketConflictError,
  TicketNotFoundError,
  type Agent,
  type AuditEntry,
  type AuthToken,
  type EventBus,
  type KnowledgeDraft,
  type KnowledgeVersion,
  type Presence,
  type SessionRecord,
  type Stores,
  patched,
  type Ticket,
  type TranscriptEntry,
} from './types.js'

/** One journal for every collection, so a message's writes share one write and one fsync. */
type JournalRecord =
  | { c: 'session'; record: SessionRecord }
  | { c: 'ticket'; ticket: Ticket }
  | { c: 'transcript'; sessionId: string; entry: TranscriptEntry }
  | { c: 'turn'; record: SessionRecord; entries: TranscriptEntry[] }
  | { c: 'agent'; agent: Agent }
  | { c: 'token'; token: AuthToken }
  | { c: 'revoke'; tokenHash: string }
  | { c: 'kb-version'; version: KnowledgeVersion }
  | { c: 'kb-draft'; draft: KnowledgeDraft | null }
  | { c: 'audit'; entry: AuditEntry }

type Loose = Record<string, unknown> | undefined
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null
const isSession = (s: Loose) =>
  typeof s?.sessionId === 'string' &&
  isObject(s.state) &&
  (s.state.handoff === undefined ||
    (isObject(s.state.handoff) &&
      typeof s.state.handoff.ticketId === 'string' &&
      (PRIORITIES as readonly unknown[]).includes(s.state.handoff.priority)))
const isTicket = (t: Loose) =>
  typeof t?.id === 'string' &&
  typeof t.sessionId === 'string' &&
  (PRIORITIES as readonly unknown[]).includes(t.priority) &&
  (TICKET_STATUSES as readonly unknown[]).includes(t.status)
/**
 * What each kind of record needs to be applied and then used: a damaged line that still parses (a
 * flipped bit in a key) is rejected whole, never half-applied, and never leaves a record that fails
 * every later message of its conversation.
 */
const VALID: Record<JournalRecord['c'], (r: Record<string, unknown>) => boolean> = {
  session: (r) => isSession(r.record as Loose),
  ticket: (r) => isTicket(r.ticket as Loose),
  transcript: (r) => typeof r.sessionId === 'string' && isObject(r.entry),
  turn: (r) => isSession(r.record as Loose) && Array.isArray(r.entries) && r.entries.every(isObject),
  agent: (r) => typeof (r.agent as Loose)?.id === 'string',
  token: (r) => typeof (r.token as Loose)?.tokenHash === 'string',
  revoke: (r) => typeof r.tokenHash === 'string',
  'kb-version': (r) => typeof (r.version as Loose)?.version === 'number',
  'kb-draft': (r) => r.draft === null || isObject(r.draft),
  audit: (r) => isObject(r.entry),
}
function checked(r: unknown): JournalRecord {
  const valid = isObject(r) && Object.hasOwn(VALID, String(r.c)) && VALID[r.c as JournalRecord['c']](r)
  if (!valid) throw new Error('not a complete record of a kind this version knows')
  return r as JournalRecord
}

/** Embedded default: state in memory, every change in an append-only journal under DATA_DIR. */
export function openEmbeddedStores(dataDir: string, clock: Clock = systemClock, log?: JournalLog): Stores {
  const sessions = new Map<string, SessionRecord>()
  const tickets = new Map<string, Ticket>()
  const transcripts = new Map<string, TranscriptEntry[]>()
  const agents = new Map<string, Agent>()
  const tokens = new Map<string, AuthToken>()
  const versions: KnowledgeVersion[] = []
  let draft: KnowledgeDraft | undefined
  const audit: AuditEntry[] = []
  // Presence is live state, rebuilt as agents sign in: not journalled.
  const presence: Record<string, { presence: Presence; at: string }> = {}
  const addEntries = (sessionId: string, entries: TranscriptEntry[]) => {
    const list = transcripts.get(sessionId)
    if (list) list.push(...entries)
    else transcripts.set(sessionId, [...entries])
  }
  const live = (): JournalRecord[] => [
    ...versions.map((version) => ({ c: 'kb-version' as const, version })),
    ...(draft ? [{ c: 'kb-draft' as const, draft }] : []),
    ...audit.map((entry) => ({ c: 'audit' as const, entry })),
    ...[...agents.values()].map((agent) => ({ c: 'agent' as const, agent })),
    ...[...tokens.values()]
      .filter((t) => Date.parse(t.expiresAt) > clock().getTime())
      .map((token) => ({ c: 'token' as const, token })),
    ...[...tickets.values()].map((ticket) => ({ c: 'ticket' as const, ticket })),
    ...[...sessions.values()].map((record) => ({ c: 'session' as const, record })),
    ...[...transcripts].flatMap(([sessionId, entries]) =>
      entries.map((entry) => ({ c: 'transcript' as const, sessionId, entry })),
    ),
  ]
  const journal = Journal.open<JournalRecord>(
    path.join(dataDir, 'journal.ndjson'),
    (line) => {
      const r = checked(line)
      if (r.c === 'session') sessions.set(r.record.sessionId, r.record)
      else if (r.c === 'ticket') tickets.set(r.ticket.id, r.ticket)
      else if (r.c === 'transcript') addEntries(r.sessionId, [r.entry])
      else if (r.c === 'turn') {
        sessions.set(r.record.sessionId, r.record)
        addEntries(r.record.sessionId, r.entries)
      } else if (r.c === 'agent') agents.set(r.agent.id, r.agent)
      else if (r.c === 'token') tokens.set(r.token.tokenHash, r.token)
      else if (r.c === 'revoke') tokens.delete(r.tokenHash)
      else if (r.c === 'kb-version') versions.push(r.version)
      else if (r.c === 'kb-draft') draft = r.draft ?? undefined
      else if (r.c === 'audit') audit.push(r.entry)
    },
    () => live(),
    log,
  )

  return {
    kind: 'embedded',
    dataDir,
    sessions: {
      async get(id) {
        return sessions.get(id)
      },
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
      async get(id) {
        return tickets.get(id)
      },
      async update(id, patch) {
        const current = tickets.get(id)
        if (!current) throw new TicketNotFoundError(id)
        const next: Ticket = {
          ...patched(current, patch),
          id,
          createdAt: current.createdAt,
          updatedAt: patch.updatedAt ?? clock().toISOString(),
        }
        await journal.append({ c: 'ticket', ticket: next }, { sync: true })
        tickets.set(id, next)
        return next
      },
      async list(filter = {}) {
        return [...tickets.values()].filter((t) => !filter.status || filter.status.includes(t.status))
      },
      // Check and write happen in one turn of the event loop: two claims cannot both see "queued".
      async transition(id, from, patch) {
        const current = tickets.get(id)
        if (!current) throw new TicketNotFoundError(id)
        if (!from.includes(current.status)) throw new TicketConflictError(id, current.status)
        const next: Ticket = {
          ...patched(current, patch),
          id,
          createdAt: current.createdAt,
          updatedAt: patch.updatedAt ?? clock().toISOString(),
        }
        tickets.set(id, next)
        await journal.append({ c: 'ticket', ticket: next }, { sync: true })
        return next
      },
    },
    agents: {
      async create(agent) {
        await journal.append({ c: 'agent', agent }, { sync: true })
        agents.set(agent.id, agent)
      },
      async update(agent) {
        await journal.append({ c: 'agent', agent }, { sync: true })
        agents.set(agent.id, agent)
      },
      async get(id) {
        return agents.get(id)
      },
      async byUsername(username) {
        return [...agents.values()].find((a) => a.username === username)
      },
      async list() {
        return [...agents.values()]
      },
      async saveToken(token) {
        await journal.append({ c: 'token', token })
        tokens.set(token.tokenHash, token)
      },
      async token(hash) {
        return tokens.get(hash)
      },
      async revokeToken(hash) {
        tokens.delete(hash)
        await journal.append({ c: 'revoke', tokenHash: hash })
      },
      async setPresence(agentId, p, at) {
        presence[agentId] = { presence: p, at }
      },
      async presence() {
        return { ...presence }
      },
    },
    knowledge: {
      async latest() {
        return versions.at(-1)
      },
      async get(n) {
        return versions.find((v) => v.version === n)
      },
      async list() {
        return versions.map(({ source: _source, ...info }) => info)
      },
      // Numbered and recorded in the same turn of the event loop: two publishes never share a number.
      async publish(v) {
        const version: KnowledgeVersion = { ...v, version: (versions.at(-1)?.version ?? 0) + 1 }
        versions.push(version)
        await journal.append({ c: 'kb-version', version }, { sync: true })
        return version
      },
      async draft() {
        return draft
      },
      async saveDraft(d) {
        draft = d
        await journal.append({ c: 'kb-draft', draft: d ?? null }, { sync: true })
      },
      async audit(entry) {
        audit.push(entry)
        await journal.append({ c: 'audit', entry }, { sync: true })
      },
      async auditLog(limit = 200) {
        return audit.slice(-limit).reverse()
      },
    },
    privacy: {
      async forget(sessionId) {
        const transcriptEntries = transcripts.get(sessionId)?.length ?? 0
        transcripts.delete(sessionId)
        sessions.delete(sessionId)
        let count = 0
        for (const t of tickets.values()) {
          if (t.sessionId !== sessionId) continue
          tickets.set(t.id, { ...t, sessionId: 'forgotten', detail: {}, updatedAt: clock().toISOString() })
          count++
        }
        await journal.rewrite(live())
        return { transcriptEntries, tickets: count }
      },
      async prune(before) {
        let entries = 0
        let idle = 0
        for (const [id, list] of transcripts) {
          const kept = list.filter((e) => Date.parse(e.at) >= before.getTime())
          entries += list.length - kept.length
          if (kept.length) transcripts.set(id, kept)
          else transcripts.delete(id)
        }
        for (const [id, s] of sessions) {
          if (Date.parse(s.updatedAt) < before.getTime() && !transcripts.has(id)) {
            sessions.delete(id)
            idle++
          }
        }
        if (entries || idle) await journal.rewrite(live())
        return { transcriptEntries: entries, sessions: idle }
      },
    },
    events: localEvents(),
    // Limits are about the last minute: nothing to keep across a restart.
    rates: new MemoryRates(),
    signIns: new MemorySignIns(),
    transcripts: {
      async append(sessionId, entries) {
        await Promise.all(entries.map((entry) => journal.append({ c: 'transcript', sessionId, entry })))
        addEntries(sessionId, entries)
      },
      async list(sessionId) {
        return [...(transcripts.get(sessionId) ?? [])]
      },
      async sessionIds() {
        return [...transcripts.keys()]
      },
    },
    async secret() {
      const file = path.join(dataDir, 'session-secret')
      if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' })
      return readFileSync(file, 'utf8').trim()
    },
    async recordTurn(record, entries) {
      await journal.append({ c: 'turn', record, entries })
      sessions.set(record.sessionId, record)
      addEntries(record.sessionId, entries)
    },
    close: () => journal.close(),
  }
}

/** In-process publish/subscribe: with one instance, every console and channel is in this process. */
export function localEvents(): EventBus {
  const emitter = new EventEmitter()
  emitter.setMaxListeners(0)
  return {
    async publish(topic, event) {
      emitter.emit(topic, event)
    },
    async subscribe(topic, handler) {
      emitter.on(topic, handler)
      return async () => {
        emitter.off(topic, handler)
      }
    },
  }
}
