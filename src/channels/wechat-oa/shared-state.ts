import { randomUUID } from 'node:crypto'
import type { Redis } from 'ioredis'
import { redisKeys } from '../../storage/redis-keys.js'

/** An access token, when it stops working and when to ask for the next (ms, the app's clock). */
export interface CachedToken {
  token: string
  expiresAt: number
  refreshAt: number
}

/**
 * What the Official Account's instances must agree on: which one handles a message (WeChat retries it,
 * a load balancer may send the retry elsewhere) and the access token (WeChat asks for one token,
 * refreshed by one caller at a time). In memory for the embedded storage, in Redis with Redis.
 */
export interface OaSharedState {
  /** True for the first claim of `key` within `ttlMs`, false for every later one. */
  claim(key: string, ttlMs: number): Promise<boolean>
  /** Gives a claim up, so WeChat's next retry of a message that failed is handled again. */
  release(key: string): Promise<void>
  token(): Promise<CachedToken | undefined>
  saveToken(token: CachedToken, ttlMs: number): Promise<void>
  /** Forgets the token if it is still this one (WeChat said it no longer works). */
  dropToken(token: string): Promise<void>
  /** The right to refresh the token, for `ttlMs` at most; false while another instance holds it. */
  lockRefresh(ttlMs: number): Promise<boolean>
  unlockRefresh(): Promise<void>
  close(): Promise<void>
}

/** One instance: a refresh is single-flight within the process already, so the lock always succeeds. */
export function memoryState(now: () => number): OaSharedState {
  const claims = new Map<string, number>()
  let cached: CachedToken | undefined
  return {
    async claim(key, ttlMs) {
      const t = now()
      // Expired claims are swept as new ones come: the map holds a few minutes of messages.
      for (const [k, until] of claims) if (until <= t) claims.delete(k)
      if (claims.has(key)) return false
      claims.set(key, t + ttlMs)
      return true
    },
    async release(key) {
      claims.delete(key)
    },
    async token() {
      return cached
    },
    async saveToken(token) {
      cached = token
    },
    async dropToken(token) {
      if (cached?.token === token) cached = undefined
    },
    async lockRefresh() {
      return true
    },
    async unlockRefresh() {},
    async close() {},
  }
}

// Deletes the token only if it is the one that failed: another instance may have saved a new one.
const DROP_IF_SAME = `
local cur = redis.call('GET', KEYS[1])
if cur and cjson.decode(cur)['token'] == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 0`

/**
 * Shared by every instance on one Redis. When Redis does not answer, each instance decides alone
 * (a claim succeeds, the token is its own): a patient answered twice is better than not at all.
 */
export function redisState(redis: Redis, prefix: string): OaSharedState {
  const keys = redisKeys(prefix)
  const lockId = randomUUID()
  let local: CachedToken | undefined
  const orElse = <T>(work: Promise<T>, fallback: T) => work.catch(() => fallback)
  return {
    async claim(key, ttlMs) {
      return orElse(
        redis.set(keys.wechatOaClaim(key), '1', 'PX', ttlMs, 'NX').then((ok) => ok === 'OK'),
        true,
      )
    },
    async release(key) {
      await orElse(redis.del(keys.wechatOaClaim(key)), 0)
    },
    async token() {
      return orElse(
        redis.get(keys.wechatOaToken()).then((raw) => (raw ? (JSON.parse(raw) as CachedToken) : undefined)),
        local,
      )
    },
    async saveToken(token, ttlMs) {
      local = token
      await orElse(redis.set(keys.wechatOaToken(), JSON.stringify(token), 'PX', Math.max(1, ttlMs)), null)
    },
    async dropToken(token) {
      if (local?.token === token) local = undefined
      await orElse(redis.eval(DROP_IF_SAME, 1, keys.wechatOaToken(), token), 0)
    },
    async lockRefresh(ttlMs) {
      return orElse(
        redis.set(keys.wechatOaTokenLock(), lockId, 'PX', ttlMs, 'NX').then((ok) => ok === 'OK'),
        true,
      )
    },
    async unlockRefresh() {
      // Only our own lock: one that expired and was taken by another instance stays theirs.
      await orElse(
        redis.eval(
          "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
          1,
          keys.wechatOaTokenLock(),
          lockId,
        ),
        0,
      )
    },
    async close() {
      redis.disconnect()
    },
  }
}
