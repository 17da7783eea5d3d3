import path from 'node:path'
import { Journal, type JournalLog } from './journal.js'
import { StorageUnavailableError } from './errors.js'
import { MemoryRates } from './rates.js'
import { MemorySignIns } from './sign-ins.js'
import {
  TicketNotFoundError,
  patched,
  type Agent,
  type AuthToken,
  type SessionRecord,
  type Stores,
  type Ticket,
  type TicketPatch,
  type TicketStore,
  type TranscriptEntry,
} from './types.js'

/** What waits on this instance's disk for shared storage to come back, in the order it happened. */
type Pending =
  | { op: 'turn'; session: SessionRecord; entries: TranscriptEntry[] }
  | { op: 'ticket'; ticket: Ticket }
  | { op: 'update'; id: string; patch: TicketPatch }
  | { op: 'replayed'; count: number }

export interface OutboxLog extends JournalLog {
  warn(obj: object, msg: string): void
  info(obj: object, msg: string): void
}

export interface OutboxStatus {
  pending: number
  replayed: number
  failedWrites: number
}

const RETRY_MS = 1000
/** After a failure, reads skip shared storage this long instead of each waiting for its timeout. */
const DOWN_MS = 1000
/** Sessions answered from this instance's memory while shared storage is down. */
const SESSIONS_KEPT = 10_000

/**
 * Shared storage (Redis) can restart or become unreachable. Patients must still get answers and no
 * handoff may be lost, so the patient's path never waits on it: a failed read of a conversation's
 * state uses this instance's copy (or starts fresh), and a failed write (a turn, a new ticket, a
 * ticket change) goes to a journal on this instance's disk (fsync'd for tickets, as the embedded store
 * does) and is replayed, in order, once storage answers again; until the journal is empty, later
 * writes queue behind it, so a conversation's turns never land out of order. Tickets waiting there are
 * shown in this instance's queue meanwhile, so agents see them. Replay is at-least-once: a crash
 * mid-replay may write a transcript entry twice, never lose one.
 */
export function withOutbox(
  shared: Stores,
  dataDir: string,
  log: OutboxLog,
): Stores & { outbox: () => OutboxStatus } {
  const waiting: Pending[] = []
  const journal = Journal.open<Pending>(
    path.join(dataDir, 'outbox.ndjson'),
    (r) => {
      if (r.op === 'replayed') waiting.splice(0, r.count)
      else waiting.push(r)
    },
    () => waiting,
    log,
  )
  const sessions = new Map<string, SessionRecord>()
  const local = new MemoryRates()
  const localSignIns = new MemorySignIns()
  const status = { replayed: 0, failedWrites: 0 }
  let timer: NodeJS.Timeout | undefined
  let replaying: Promise<void> | undefined
  let downUntil = 0
  const down = () => Date.now() < downUntil
  const failed = () => {
    downUntil = Date.now() + DOWN_MS
  }

  const remember = (record: SessionRecord) => {
    sessions.delete(record.sessionId)
    sessions.set(record.sessionId, record)
    if (sessions.size > SESSIONS_KEPT) sessions.delete(sessions.keys().next().value!)
  }
  const keep = async (item: Exclude<Pending, { op: 'replayed' }>, err?: unknown) => {
    if (err !== undefined) {
      status.failedWrites++
      failed()
      if (!waiting.length) {
        log.warn(
          { err: String(err) },
          'shared storage unavailable: keeping writes on this instance until it returns',
        )
      }
    }
    waiting.push(item)
    await journal.append(item, { sync: item.op !== 'turn' })
    schedule()
  }
  const schedule = () => {
    if (!timer) {
      timer = setTimeout(() => {
        timer = undefined
        void replay()
      }, RETRY_MS)
    }
  }

  // Replays in order; stops at the first failure and tries again later.
  const replay = () => {
    replaying ??= (async () => {
      let done = 0
      try {
        for (const item of [...waiting]) {
          if (item.op === 'turn') await shared.recordTurn(item.session, item.entries)
          else if (item.op === 'ticket') {
            await shared.tickets.create(item.ticket)
            await shared.events.publish('queue', { type: 'ticket', action: 'handoff', ticket: item.ticket })
          } else if (item.op === 'update') {
            // A change to a ticket that is gone (deleted on a patient's request) can never be applied.
            await shared.tickets.update(item.id, item.patch).catch((err) => {
              if (!(err instanceof TicketNotFoundError)) throw err
              log.warn({ ticketId: item.id }, 'a kept change to a ticket that no longer exists was dropped')
            })
          }
          done++
        }
      } catch {
        failed()
      }
      if (done) {
        waiting.splice(0, done)
        status.replayed += done
        await journal.append({ op: 'replayed', count: done }, { sync: true })
        log.info({ replayed: done, pending: waiting.length }, 'writes kept during a storage outage replayed')
      }
      // New writes queue while replaying: go on at once while replay makes progress.
      if (waiting.length) {
        if (done) {
          setImmediate(() => {
            void replay()
          })
        } else schedule()
      }
    })().finally(() => {
      replaying = undefined
    })
    return replaying
  }
  if (waiting.length) schedule()

  /** A write goes straight through while nothing waits; else it queues behind what waits. */
  const write = async (item: Exclude<Pending, { op: 'replayed' }>, direct: () => Promise<unknown>) => {
    if (waiting.length || down()) return keep(item)
    try {
      await direct()
    } catch (err) {
      await keep(item, err)
    }
  }

  const pendingTicket = (id: string): Ticket | undefined => {
    let ticket: Ticket | undefined
    for (const item of waiting) {
      if (item.op === 'ticket' && item.ticket.id === id) ticket = { ...item.ticket }
      else if (item.op === 'update' && item.id === id && ticket) ticket = patched(ticket, item.patch)
    }
    return ticket
  }
  const pendingTickets = (): Ticket[] =>
    waiting.flatMap((i) => (i.op === 'ticket' ? [pendingTicket(i.ticket.id)!] : []))

  const tickets: TicketStore = {
    create: (ticket) => write({ op: 'ticket', ticket }, () => shared.tickets.create(ticket)),
    async get(id) {
      return pendingTicket(id) ?? shared.tickets.get(id)
    },
    async update(id, patch) {
      const local = pendingTicket(id)
      if (!local && !waiting.length && !down()) {
        try {
          return await shared.tickets.update(id, patch)
        } catch (err) {
          if (err instanceof TicketNotFoundError) throw err
          await keep({ op: 'update', id, patch }, err)
          return patched({ id } as Ticket, patch)
        }
      }
      await keep({ op: 'update', id, patch })
      return patched(
        local ?? (await shared.tickets.get(id).catch(() => undefined)) ?? ({ id } as Ticket),
        patch,
      )
    },
    async list(filter = {}) {
      const local = pendingTickets().filter((t) => !filter.status || filter.status.includes(t.status))
      const remote = await shared.tickets.list(filter).catch((err) => {
        if (!local.length) throw err
        return []
      })
      const seen = new Set(local.map((t) => t.id))
      return [...remote.filter((t) => !seen.has(t.id)), ...local]
    },
    transition: (id, from, patch) => shared.tickets.transition(id, from, patch),
  }

  // Signed-in agents keep working through an outage: their last successful look-ups are reused.
  const tokens = new Map<string, AuthToken | undefined>()
  const agents = new Map<string, Agent | undefined>()
  const cached =
    <T>(cache: Map<string, T>, read: (key: string) => Promise<T>) =>
    async (key: string): Promise<T> => {
      if (!down()) {
        try {
          const value = await read(key)
          cache.set(key, value)
          return value
        } catch (err) {
          failed()
          if (!cache.has(key)) throw err
        }
      }
      if (!cache.has(key)) throw new StorageUnavailableError('this instance kept no copy to answer with')
      return cache.get(key) as T
    }

  return {
    ...shared,
    agents: {
      ...shared.agents,
      token: cached(tokens, (hash) => shared.agents.token(hash)),
      get: cached(agents, (id) => shared.agents.get(id)),
      async revokeToken(hash) {
        tokens.delete(hash)
        await shared.agents.revokeToken(hash)
      },
    },
    tickets,
    sessions: {
      async get(id) {
        const local = sessions.get(id)
        // A turn still waiting to be replayed is newer than what shared storage holds.
        if (local && (down() || waiting.some((i) => i.op === 'turn' && i.session.sessionId === id))) {
          return local
        }
        if (down()) return undefined
        try {
          const remote = await shared.sessions.get(id)
          return local && (!remote || local.updatedAt > remote.updatedAt) ? local : remote
        } catch {
          failed()
          return local
        }
      },
      async put(record) {
        remember(record)
        await write({ op: 'turn', session: record, entries: [] }, () => shared.sessions.put(record))
      },
    },
    async recordTurn(session, entries) {
      remember(session)
      await write({ op: 'turn', session, entries }, () => shared.recordTurn(session, entries))
    },
    events: {
      // Consoles re-read the queue when they reconnect: a lost notification is not a lost ticket.
      async publish(topic, event) {
        await shared.events.publish(topic, event).catch(() => undefined)
      },
      subscribe: (topic, handler) => shared.events.subscribe(topic, handler),
    },
    rates: {
      // While shared storage is away, limits are counted on this instance rather than not at all. A
      // failed count does not mark storage as down: a Redis that refuses the script must not send
      // every write to the outbox.
      async hit(key, max, windowMs) {
        if (down()) return local.hit(key, max, windowMs)
        try {
          return await shared.rates.hit(key, max, windowMs)
        } catch {
          return local.hit(key, max, windowMs)
        }
      },
    },
    privacy: {
      ...shared.privacy,
      /**
       * A patient's right to deletion reaches this instance's disk too: their turns waiting in
       * outbox.ndjson go, their waiting tickets keep only what statistics need, and the file is
       * rewritten now. This is done before Redis forgets them, or a replay would write them back.
       */
      async forget(sessionId) {
        const ids = new Set(
          (await shared.tickets.list()).filter((t) => t.sessionId === sessionId).map((t) => t.id),
        )
        // A replay under way splices what it wrote off the front: let it finish before changing the
        // list (the changes below are synchronous, so no other replay starts in between).
        await replaying
        let entries = 0
        let pendingTickets = 0
        for (const [i, item] of waiting.entries()) {
          if (item.op === 'ticket' && item.ticket.sessionId === sessionId) {
            ids.add(item.ticket.id)
            pendingTickets++
            waiting[i] = { op: 'ticket', ticket: { ...item.ticket, sessionId: 'forgotten', detail: {} } }
          } else if (item.op === 'update' && ids.has(item.id) && item.patch.detail) {
            waiting[i] = { op: 'update', id: item.id, patch: { ...item.patch, detail: {} } }
          }
        }
        const kept = waiting.filter((item) => {
          if (item.op !== 'turn' || item.session.sessionId !== sessionId) return true
          entries += item.entries.length
          return false
        })
        waiting.splice(0, waiting.length, ...kept)
        sessions.delete(sessionId)
        await journal.rewrite(waiting)
        const remote = await shared.privacy.forget(sessionId)
        return {
          transcriptEntries: remote.transcriptEntries + entries,
          tickets: remote.tickets + pendingTickets,
        }
      },
    },
    // Sign-in failures likewise: counted on this instance while shared storage is away.
    signIns: {
      fail: (u, ip, now, policy) =>
        shared.signIns.fail(u, ip, now, policy).catch(() => localSignIns.fail(u, ip, now, policy)),
      async lockedUntil(u, ip, now) {
        const shown = await shared.signIns.lockedUntil(u, ip, now).catch(() => undefined)
        return shown ?? localSignIns.lockedUntil(u, ip, now)
      },
      async clear(u, ip) {
        await Promise.all([shared.signIns.clear(u, ip).catch(() => undefined), localSignIns.clear(u, ip)])
      },
      async lockouts(now) {
        return [...(await shared.signIns.lockouts(now)), ...(await localSignIns.lockouts(now))]
      },
      async lift(u, ip) {
        return (await shared.signIns.lift(u, ip)) + (await localSignIns.lift(u, ip))
      },
    },
    outbox: () => ({ pending: waiting.length, ...status }),
    async close() {
      if (timer) {
        clearTimeout(timer)
        timer = undefined
      }
      await replaying
      if (waiting.length) await replay()
      await journal.close()
      await shared.close()
    },
  }
}
