import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import { afterAll, describe, it } from 'vitest'
import { openEmbeddedStores } from '../../src/storage/embedded.js'
import { openRedisStores } from '../../src/storage/redis.js'
import { tempDir } from '../helpers.js'
import { describeStore } from './describe-store.js'

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'

describeStore('embedded', async () => openEmbeddedStores(tempDir()), async (s) => {
  await s.close()
  return openEmbeddedStores(s.dataDir!)
})

async function redisReachable(): Promise<boolean> {
  const r = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
  try { await r.connect(); await r.ping(); return true } catch { return false } finally { r.disconnect() }
}

const reachable = await redisReachable()
if (!reachable && process.env.CI) {
  // In CI the Redis suite must run: .ci/run starts Redis, so not reaching it is a failure.
  describe('redis store', () => { it('reaches Redis at ' + REDIS_URL, () => { throw new Error(`Redis not reachable at ${REDIS_URL} in CI`) }) })
} else if (!reachable) {
  console.warn(`redis store suite skipped: no Redis at ${REDIS_URL} (it never skips in CI)`)
} else {
  const prefix = `nd-test-${randomBytes(4).toString('hex')}:`
  describeStore('redis', () => openRedisStores(REDIS_URL, prefix), async (s) => { await s.close(); return openRedisStores(REDIS_URL, prefix) })
  afterAll(async () => {
    const r = new Redis(REDIS_URL)
    const keys = await r.keys(`${prefix}*`)
    if (keys.length) await r.del(...keys)
    await r.quit()
  })
}
