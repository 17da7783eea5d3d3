import fp from 'fastify-plugin'
import type { Config } from '../config.js'
import { openEmbeddedStores } from '../storage/embedded.js'
import { openRedisStores } from '../storage/redis.js'
import type { Stores } from '../storage/types.js'
import { SessionTokens } from '../auth/session-token.js'

declare module 'fastify' {
  interface FastifyInstance { stores: Stores; sessionTokens: SessionTokens }
}

/** Storage chosen by config: Redis when REDIS_URL is set, else the embedded journal in DATA_DIR. */
export default fp<{ config: Config; stores?: Stores }>(async (app, { config, stores }) => {
  const chosen = stores ?? (config.redisUrl ? await openRedisStores(config.redisUrl, config.redisPrefix) : openEmbeddedStores(config.dataDir))
  app.decorate('stores', chosen)
  app.decorate('sessionTokens', new SessionTokens(config.sessionSecret ?? await chosen.secret()))
  app.log.info({ storage: chosen.kind }, 'storage ready')
  // Injected stores belong to the caller (tests reuse them across app restarts).
  if (!stores) app.addHook('onClose', async () => chosen.close())
}, { name: 'stores' })
