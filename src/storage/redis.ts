import { setTimeout as delay } from 'node:timers/promises'
import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import { redisKeys } from './redis-keys.js'
import {
  TicketConflictError,
  TicketNotFoundError,
  type Agent,
  type AuditEntry,
  type AuthToken,
  type KnowledgeDraft,
  type KnowledgeVersion,
  type KnowledgeVersionInfo,
  type Lockout,
  type EventBus,
  type Presence,
  type SessionRecord,
  type Stores,
  type Ticket,
  type TicketPatch,
  type TicketStore,
  type TranscriptEntry,
} from './types.js'
import { systemClock, type Clock } from '../clock.js'
import { maskPii } from '../privacy/mask.js'
import { sealedMask, type Sealer } from '../privacy/seal.js'

// A patch's detail is merged into the ticket's, as the store contract says (types.ts, TicketPatch).
const APPLY_PATCH = `
local function apply(t, patch)
  for k, v in pairs(patch) do
    if k == 'detail' and type(t.detail) == 'table' then
      for dk, dv in pairs(v) do t.detail[dk] = dv end
    else
      t[k] = v
    end
  end
end`

// Read-modify-write of a ticket in one step, so two instances updating it never lose a change.
const UPDATE_TICKET = `${APPLY_PATCH}
local cur = redis.call('GET', KEYS[1])
if not cur then return nil end
local t = cjson.decode(cur)
apply(t, cjson.decode(ARGV[1]))
local out = cjson.encode(t)
redis.call('SET', KEYS[1], out)
return out`

// Compare-and-set on the status: two agents on two instances can never both claim a ticket.
const TRANSITION_TICKET = `${APPLY_PATCH}
local cur = redis.call('GET', KEYS[1])
if not cur then return {'missing'} end
local t = cjson.decode(cur)
local allowed = cjson.decode(ARGV[1])
local ok = false
for _, s in ipairs(allowed) do if t['status'] == s then ok = true end end
if not ok then return {'conflict', t['status']} end
apply(t, cjson.decode(ARGV[2]))
local out = cjson.encode(t)
redis.call('SET', KEYS[1], out)
return {'ok', out}`

// A sliding window per key, on Redis's own clock (instances' clocks may differ): drop what left the
// window, refuse when full (answering how long until the oldest leaves), else count this one.
// (replicate_commands lets a script write after reading TIME on Redis 3.2-4; from 5 on it is the default.)
const HIT_RATE = `
redis.replicate_commands()
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return math.max(1, window - (now - tonumber(oldest[2])))
end
redis.call('ZADD', KEYS[1], now, now .. ':' .. ARGV[3])
redis.call('PEXPIRE', KEYS[1], window)
return 0
`

type RedisWithCommands = Redis & {
  ndHitRate(key: string, max: number, windowMs: number, nonce: string): Promise<number>
  ndUpdateTicket(key: string, patch: string): Promise<string | null>
  ndTransitionTicket(key: string, allowed: string, patch: string): Promise<[string, string?]>
}

/**
 * What Redis keeps of a patient (issue 17): Redis is often shared, replicated and written to an
 * append-only file, so patients' own words are stored masked (privacy/mask.ts) and a ticket's text
 * details too; the callback number, which an agent must dial, is stored encrypted (privacy/seal.ts).
 * Without a key (scripts, tests that read Redis directly) it is stored masked and read as masked.
 */
class Protection {
  constructor(private readonly sealer: Sealer | undefined) {}

  entry = (e: TranscriptEntry): TranscriptEntry =>
    e.role === 'patient' ? { ...e, text: maskPii(e.text) } : e

  /** A ticket or a change to one, as stored. */
  seal<T extends { detail?: Ticket['detail'] }>(t: T): T {
    if (!t.detail) return t
    const detail = Object.fromEntries(
      Object.entries(t.detail).map(([k, v]) => [
        k,
        typeof v !== 'string' ? v : k === 'callbackPhone' ? this.sealValue(v) : maskPii(v),
      ]),
    )
    return { ...t, detail }
  }

  /** A stored ticket as the app sees it: the callback number decrypted. */
  open(raw: string): Ticket {
    const t = JSON.parse(raw) as Ticket
    const phone = t.detail?.callbackPhone
    if (typeof phone !== 'string') return t
    return {
      ...t,
      detail: { ...t.detail, callbackPhone: this.sealer ? this.sealer.open(phone) : sealedMask(phone) },
    }
  }

  private sealValue(v: string): string {
    return this.sealer ? this.sealer.seal(v) : maskPii(v)
  }
}

class RedisTickets implements TicketStore {
  constructor(
    private readonly redis: RedisWithCommands,
    private readonly keys: ReturnType<typeof redisKeys>,
    private readonly clock: Clock,
    private readonly protect: Protection,
  ) {}
  async create(ticket: Ticket) {
    await this.redis
      .multi()
      .set(this.keys.ticket(ticket.id), JSON.stringify(this.protect.seal(ticket)))
      .zadd(this.keys.ticketIndex(), String(Date.parse(ticket.createdAt)), ticket.id)
      .exec()
  }
  async get(id: string) {
    const raw = await this.redis.get(this.keys.ticket(id))
    return raw ? this.protect.open(raw) : undefined
  }
  async update(id: string, patch: TicketPatch) {
    const out = await this.redis.ndUpdateTicket(
      this.keys.ticket(id),
      JSON.stringify(
        this.protect.seal({ ...patch, updatedAt: patch.updatedAt ?? this.clock().toISOString() }),
      ),
    )
    if (!out) throw new TicketNotFoundError(id)
    return this.protect.open(out)
  }
  async transition(id: string, from: Ticket['status'][], patch: TicketPatch) {
    const [result, value] = await this.redis.ndTransitionTicket(
      this.keys.ticket(id),
      JSON.stringify(from),
      JSON.stringify(
        this.protect.seal({ ...patch, updatedAt: patch.updatedAt ?? this.clock().toISOString() }),
      ),
    )
    if (result === 'missing') throw new TicketNotFoundError(id)
    if (result === 'conflict') throw new TicketConflictError(id, value as Ticket['status'])
    return this.protect.open(value!)
  }

  async list(filter: { status?: Ticket['status'][] } = {}) {
    const ids = await this.redis.zrange(this.keys.ticketIndex(), '0', '-1')
    if (!ids.length) return []
    const raws = await this.redis.mget(ids.map((id) => this.keys.ticket(id)))
    return raws
      .filter((r): r is string => !!r)
      .map((r) => this.protect.open(r))
      .filter((t) => !filter.status || filter.status.includes(t.status))
  }
}

/** Redis storage (REDIS_URL): shared by every instance behind a load balancer. */
export async function openRedisStores(
  url: string,
  prefix = 'nd:',
  onError: (err: Error) => void = () => undefined,
  clock: Clock = systemClock,
  sealer?: Sealer,
): Promise<Stores> {
  // A command fails at once when Redis is gone (no offline queue, 2 s at most when it hangs), and a
  // failed one is never re-sent by ioredis on reconnect: the outbox (outbox.ts) keeps and replays
  // what could not be written, so a re-send would write it twice.
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    commandTimeout: 2000,
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
  }) as RedisWithCommands
  redis.defineCommand('ndUpdateTicket', { numberOfKeys: 1, lua: UPDATE_TICKET })
  redis.defineCommand('ndTransitionTicket', { numberOfKeys: 1, lua: TRANSITION_TICKET })
  redis.defineCommand('ndHitRate', { numberOfKeys: 1, lua: HIT_RATE })
  const keys = redisKeys(prefix)
  const protect = new Protection(sealer)
  const tickets = new RedisTickets(redis, keys, clock, protect)
  // Subscriptions are not writes: they wait for a connection however long Redis is away (also when it
  // is away at start-up) and are renewed on reconnect.
  const subscriber = redis.duplicate({
    enableOfflineQueue: true,
    autoResendUnfulfilledCommands: true,
    maxRetriesPerRequest: null,
  })
  // While Redis is away, every reconnect attempt errors: commands fail on their own (the outbox keeps
  // their writes), so these are only reported, not thrown.
  redis.on('error', onError)
  subscriber.on('error', onError)
  // Start-up does not wait for Redis (SECURITY.md: patients are answered while it is away): a first
  // connection that fails is reported, ioredis keeps reconnecting, and until then every command
  // fails at once and the outbox keeps the writes.
  await redis.connect().catch(onError)
  let closed = false
  const handlers = new Map<string, Set<(event: unknown) => void>>()
  subscriber.on('message', (channel: string, message: string) => {
    const set = handlers.get(channel)
    if (!set) return
    const event = JSON.parse(message) as unknown
    for (const h of set) h(event)
  })
  const events: EventBus = {
    async publish(topic, event) {
      await redis.publish(keys.topic(topic), JSON.stringify(event))
    },
    async subscribe(topic, handler) {
      const channel = keys.topic(topic)
      let set = handlers.get(channel)
      if (!set) {
        set = new Set()
        handlers.set(channel, set)
        await subscriber.subscribe(channel)
      }
      set.add(handler)
      return async () => {
        set!.delete(handler)
        // After close() there is nothing left to unsubscribe from (a socket may close after the store).
        if (!set!.size && !closed) {
          handlers.delete(channel)
          await subscriber.unsubscribe(channel)
        }
      }
    },
  }
  return {
    kind: 'redis',
    rates: {
      async hit(key, max, windowMs) {
        return Number(await redis.ndHitRate(keys.rate(key), max, windowMs, randomBytes(6).toString('hex')))
      },
    },
    signIns: {
      async fail(username, ip, now, policy) {
        const key = keys.signInFailures(username, ip)
        const counted = await redis
          .multi()
          .zremrangebyscore(key, '-inf', now - policy.windowMs)
          .zadd(key, String(now), `${now}:${randomBytes(4).toString('hex')}`)
          .zcard(key)
          .pexpire(key, policy.windowMs)
          .exec()
        if (Number(counted?.[2]?.[1]) < policy.max) return undefined
        const until = now + policy.lockMs
        await redis
          .multi()
          .zadd(keys.lockouts(), String(until), JSON.stringify([username, ip]))
          .del(key)
          .exec()
        return until
      },
      async lockedUntil(username, ip, now) {
        const until = Number(await redis.zscore(keys.lockouts(), JSON.stringify([username, ip])))
        return until > now ? until : undefined
      },
      async clear(username, ip) {
        await redis.del(keys.signInFailures(username, ip))
      },
      async lockouts(now) {
        await redis.zremrangebyscore(keys.lockouts(), '-inf', now)
        const flat = await redis.zrange(keys.lockouts(), '0', '-1', 'WITHSCORES')
        const out: Lockout[] = []
        for (let i = 0; i < flat.length; i += 2) {
          const [username, ip] = JSON.parse(flat[i]!) as [string, string]
          out.push({ username, ip, until: new Date(Number(flat[i + 1])).toISOString() })
        }
        return out
      },
      async lift(username, ip) {
        const members = (await redis.zrange(keys.lockouts(), '0', '-1'))
          .map((m) => [m, ...(JSON.parse(m) as [string, string])] as const)
          .filter(([, u, i]) => u === username && (ip === undefined || i === ip))
        if (!members.length) return 0
        await redis
          .multi()
          .zrem(keys.lockouts(), ...members.map(([m]) => m))
          .del(...members.map(([, u, i]) => keys.signInFailures(u, i)))
          .exec()
        return members.length
      },
    },
    sessions: {
      async get(id) {
        const raw = await redis.get(keys.session(id))
        return raw ? (JSON.parse(raw) as SessionRecord) : undefined
      },
      async put(record) {
        await redis.set(keys.session(record.sessionId), JSON.stringify(record))
      },
    },
    tickets,
    transcripts: {
      async append(sessionId, entries) {
        if (entries.length) {
          await redis.rpush(
            keys.transcript(sessionId),
            ...entries.map((e) => JSON.stringify(protect.entry(e))),
          )
        }
      },
      async list(sessionId) {
        return (await redis.lrange(keys.transcript(sessionId), 0, -1)).map(
          (r) => JSON.parse(r) as TranscriptEntry,
        )
      },
      async sessionIds() {
        const ids: string[] = []
        const head = keys.transcript('')
        let cursor = '0'
        do {
          const [next, batch] = await redis.scan(cursor, 'MATCH', `${head}*`, 'COUNT', 500)
          cursor = next
          ids.push(...batch.map((k) => k.slice(head.length)))
        } while (cursor !== '0')
        return ids
      },
    },
    async secret() {
      // The first instance to ask sets it; every other one reads the same value.
      await redis.set(keys.secret(), randomBytes(32).toString('hex'), 'NX')
      return (await redis.get(keys.secret()))!
    },
    async recordTurn(record, entries) {
      const tx = redis.multi().set(keys.session(record.sessionId), JSON.stringify(record))
      if (entries.length) {
        tx.rpush(keys.transcript(record.sessionId), ...entries.map((e) => JSON.stringify(protect.entry(e))))
      }
      await tx.exec()
    },
    agents: {
      async create(agent: Agent) {
        const claimed = await redis.hsetnx(keys.agentByUsername(), agent.username, agent.id)
        if (!claimed) throw new Error(`username ${agent.username} is taken`)
        await redis
          .multi()
          .set(keys.agent(agent.id), JSON.stringify(agent))
          .sadd(keys.agentIndex(), agent.id)
          .exec()
      },
      async update(agent: Agent) {
        await redis.set(keys.agent(agent.id), JSON.stringify(agent))
      },
      async get(id) {
        const raw = await redis.get(keys.agent(id))
        return raw ? (JSON.parse(raw) as Agent) : undefined
      },
      async byUsername(username) {
        const id = await redis.hget(keys.agentByUsername(), username)
        return id ? this.get(id) : undefined
      },
      async list() {
        const ids = await redis.smembers(keys.agentIndex())
        if (!ids.length) return []
        return (await redis.mget(ids.map((id) => keys.agent(id))))
          .filter((r): r is string => !!r)
          .map((r) => JSON.parse(r) as Agent)
      },
      async saveToken(token: AuthToken) {
        const ttl = Math.max(1, Date.parse(token.expiresAt) - clock().getTime())
        await redis.set(keys.token(token.tokenHash), JSON.stringify(token), 'PX', ttl)
      },
      async token(hash) {
        const raw = await redis.get(keys.token(hash))
        return raw ? (JSON.parse(raw) as AuthToken) : undefined
      },
      async revokeToken(hash) {
        await redis.del(keys.token(hash))
      },
      async setPresence(agentId, presence: Presence, at) {
        await redis.hset(keys.presence(), agentId, JSON.stringify({ presence, at }))
      },
      async presence() {
        const all = await redis.hgetall(keys.presence())
        return Object.fromEntries(
          Object.entries(all).map(([id, v]) => [id, JSON.parse(v) as { presence: Presence; at: string }]),
        )
      },
    },
    knowledge: {
      async latest() {
        const n = Number((await redis.get(keys.kbCounter())) ?? 0)
        return n ? this.get(n) : undefined
      },
      async get(n) {
        const raw = await redis.get(keys.kbVersion(n))
        return raw ? (JSON.parse(raw) as KnowledgeVersion) : undefined
      },
      async list() {
        return (await redis.lrange(keys.kbVersions(), 0, -1)).map(
          (r) => JSON.parse(r) as KnowledgeVersionInfo,
        )
      },
      async publish(v) {
        // INCR hands out the number atomically across instances.
        const version: KnowledgeVersion = { ...v, version: await redis.incr(keys.kbCounter()) }
        const { source: _source, ...info } = version
        await redis
          .multi()
          .set(keys.kbVersion(version.version), JSON.stringify(version))
          .rpush(keys.kbVersions(), JSON.stringify(info))
          .exec()
        return version
      },
      async draft() {
        const raw = await redis.get(keys.kbDraft())
        return raw ? (JSON.parse(raw) as KnowledgeDraft) : undefined
      },
      async saveDraft(d) {
        if (d) await redis.set(keys.kbDraft(), JSON.stringify(d))
        else await redis.del(keys.kbDraft())
      },
      async audit(entry: AuditEntry) {
        await redis.rpush(keys.audit(), JSON.stringify(entry))
      },
      async auditLog(limit = 200) {
        return (await redis.lrange(keys.audit(), -limit, -1))
          .map((r) => JSON.parse(r) as AuditEntry)
          .reverse()
      },
    },
    privacy: {
      async forget(sessionId) {
        const transcriptEntries = await redis.llen(keys.transcript(sessionId))
        await redis.del(keys.transcript(sessionId), keys.session(sessionId))
        const mine = (await tickets.list()).filter((t) => t.sessionId === sessionId)
        for (const t of mine) {
          await redis.set(
            keys.ticket(t.id),
            JSON.stringify({ ...t, sessionId: 'forgotten', detail: {}, updatedAt: clock().toISOString() }),
          )
        }
        return { transcriptEntries, tickets: mine.length }
      },
      async prune(before) {
        let entries = 0
        let sessionsGone = 0
        const head = keys.transcript('')
        let cursor = '0'
        do {
          const [next, batch] = await redis.scan(cursor, 'MATCH', `${head}*`, 'COUNT', 200)
          cursor = next
          for (const key of batch) {
            const all = (await redis.lrange(key, 0, -1)).map((r) => JSON.parse(r) as TranscriptEntry)
            const kept = all.filter((e) => Date.parse(e.at) >= before.getTime())
            if (kept.length === all.length) continue
            entries += all.length - kept.length
            const tx = redis.multi().del(key)
            if (kept.length) tx.rpush(key, ...kept.map((e) => JSON.stringify(e)))
            else {
              tx.del(keys.session(key.slice(head.length)))
              sessionsGone++
            }
            await tx.exec()
          }
        } while (cursor !== '0')
        return { transcriptEntries: entries, sessions: sessionsGone }
      },
    },
    events,
    async close() {
      if (closed) return
      closed = true
      subscriber.disconnect()
      // QUIT waits for an answer that never comes while Redis is down.
      await Promise.race([redis.quit().catch(() => undefined), delay(1000, undefined, { ref: false })])
      redis.disconnect()
    },
  }
}
