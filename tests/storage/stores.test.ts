import { randomBytes } from 'node:crypto'
import { afterAll } from 'vitest'
import { openEmbeddedStores } from '../../src/storage/embedded.js'
import { openRedisStores } from '../../src/storage/redis.js'
import { tempDir } from '../helpers.js'
import { describeWithRedis, dropKeys, REDIS_URL } from '../redis-available.js'
import { describeStore } from './describe-store.js'

describeStore(
  'embedded',
  async () => openEmbeddedStores(tempDir()),
  async (s) => {
    await s.close()
    return openEmbeddedStores(s.dataDir!)
  },
)

const prefix = `nd-test-${randomBytes(4).toString('hex')}:`
await describeWithRedis('redis store', () => {
  describeStore(
    'redis',
    () => openRedisStores(REDIS_URL, prefix),
    async (s) => {
      await s.close()
      return openRedisStores(REDIS_URL, prefix)
    },
  )
  afterAll(() => dropKeys(prefix))
})
