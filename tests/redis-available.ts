import { setTimeout as delay } from 'node:timers/promises'
import { Redis } from 'ioredis'
import { describe, it } from 'vitest'

export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'

/** Whether Redis answers, asked a few times over a few seconds: one refused connect on a busy machine is not "no Redis". */
export async function redisReachable(attempts = 5): Promise<boolean> {
  for (let i = 0; i < attempts; i++) {
    if (await pingOnce()) return true
    await delay(500)
  }
  return false
}

async function pingOnce(): Promise<boolean> {
  const r = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
  try {
    await r.connect()
    await r.ping()
    return true
  } catch {
    return false
  } finally {
    r.disconnect()
  }
}

/**
 * describe() when Redis answers. Without Redis the whole file's suite is skipped, with a message
 * saying why, locally; in CI (CI=true) a missing Redis is a failure, never a silent skip.
 */
export async function describeWithRedis(name: string, body: () => void): Promise<void> {
  if (await redisReachable()) {
    describe(name, body)
  } else if (process.env.CI) {
    describe(name, () => {
      it(`reaches Redis at ${REDIS_URL}`, () => {
        throw new Error(`Redis not reachable at ${REDIS_URL} in CI`)
      })
    })
  } else {
    console.warn(`${name}: skipped, no Redis at ${REDIS_URL} (start redis-server; never skipped in CI)`)
    describe.skip(`${name} (skipped: no Redis at ${REDIS_URL})`, body)
  }
}

export async function dropKeys(prefix: string): Promise<void> {
  const r = new Redis(REDIS_URL)
  const keys = await r.keys(`${prefix}*`)
  if (keys.length) await r.del(...keys)
  await r.quit()
}
