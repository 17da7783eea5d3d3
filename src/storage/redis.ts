import { Redis } from 'ioredis'
import { TicketNotFoundError } from './embedded.js'
import { redisKeys } from './redis-keys.js'
import type { SessionRecord, Stores, Ticket, TicketStore, TranscriptEntry } from './types.js'

// Read-modify-write of a ticket in one step, so two instances updating it never lose a change.
const UPDATE_TICKET = `
local cur = redis.call('GET', KEYS[1])
if not cur then return nil end
local t = cjson.decode(cur)
local patch = cjson.decode(ARGV[1])
for k, v in pairs(patch) do t[k] = v end
local out = cjson.encode(t)
redis.call('SET', KEYS[1], out)
return out`

type RedisWithCommands = Redis & { ndUpdateTicket(key: string, patch: string): Promise<string | null> }

class RedisTickets implements TicketStore {
  constructor(private readonly redis: RedisWithCommands, private readonly keys: ReturnType<typeof redisKeys>) {}
  async create(ticket: Ticket) {
    await this.redis.multi().set(this.keys.ticket(ticket.id), JSON.stringify(ticket)).zadd(this.keys.ticketIndex(), String(Date.parse(ticket.createdAt)), ticket.id).exec()
  }
  async get(id: string) {
    const raw = await this.redis.get(this.keys.ticket(id))
    return raw ? (JSON.parse(raw) as Ticket) : undefined
  }
  async update(id: string, patch: Partial<Omit<Ticket, 'id' | 'createdAt'>>) {
    const out = await this.redis.ndUpdateTicket(this.keys.ticket(id), JSON.stringify({ ...patch, updatedAt: patch.updatedAt ?? new Date().toISOString() }))
    if (!out) throw new TicketNotFoundError(id)
    return JSON.parse(out) as Ticket
  }
  async list(filter: { status?: Ticket['status'][] } = {}) {
    const ids = await this.redis.zrange(this.keys.ticketIndex(), '0', '-1')
    if (!ids.length) return []
    const raws = await this.redis.mget(ids.map((id) => this.keys.ticket(id)))
    return raws.filter((r): r is string => !!r).map((r) => JSON.parse(r) as Ticket).filter((t) => !filter.status || filter.status.includes(t.status))
  }
}

/** Redis storage (REDIS_URL): shared by every instance behind a load balancer. */
export async function openRedisStores(url: string, prefix = 'nd:'): Promise<Stores> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 3 }) as RedisWithCommands
  redis.defineCommand('ndUpdateTicket', { numberOfKeys: 1, lua: UPDATE_TICKET })
  await redis.connect()
  const keys = redisKeys(prefix)
  return {
    kind: 'redis',
    sessions: {
      async get(id) {
        const raw = await redis.get(keys.session(id))
        return raw ? (JSON.parse(raw) as SessionRecord) : undefined
      },
      async put(record) { await redis.set(keys.session(record.sessionId), JSON.stringify(record)) },
    },
    tickets: new RedisTickets(redis, keys),
    transcripts: {
      async append(sessionId, entries) {
        if (entries.length) await redis.rpush(keys.transcript(sessionId), ...entries.map((e) => JSON.stringify(e)))
      },
      async list(sessionId) {
        return (await redis.lrange(keys.transcript(sessionId), 0, -1)).map((r) => JSON.parse(r) as TranscriptEntry)
      },
    },
    async recordTurn(record, entries) {
      const tx = redis.multi().set(keys.session(record.sessionId), JSON.stringify(record))
      if (entries.length) tx.rpush(keys.transcript(record.sessionId), ...entries.map((e) => JSON.stringify(e)))
      await tx.exec()
    },
    async close() { await redis.quit() },
  }
}
