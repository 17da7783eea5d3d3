import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import type { FastifyBaseLogger } from 'fastify'
import fp from 'fastify-plugin'
import { isStorageOutage } from '../storage/errors.js'
import type { Config } from '../config.js'
import { openEmbeddedStores } from '../storage/embedded.js'
import { withOutbox } from '../storage/outbox.js'
import type { Stores } from '../storage/types.js'
import { SessionTokens } from '../auth/session-token.js'
import { loadDataKey, Sealer } from '../privacy/seal.js'

declare module 'fastify' {
  interface FastifyInstance {
    stores: Stores
    sessionTokens: SessionTokens
  }
}

/**
 * The session secret every instance shares lives in Redis; a copy in DATA_DIR lets an instance start
 * while Redis is down. One that never reached Redis uses a secret of its own until it restarts: its
 * patients' tokens are then not accepted by other instances (set SESSION_SECRET to avoid that).
 */
async function sharedSecret(stores: Stores, dataDir: string, log: FastifyBaseLogger): Promise<string> {
  const copy = path.join(dataDir, 'session-secret.shared')
  try {
    const secret = await stores.secret()
    if (!existsSync(copy) || readFileSync(copy, 'utf8') !== secret) {
      mkdirSync(dataDir, { recursive: true })
      writeFileSync(copy, secret, { mode: 0o600 })
    }
    return secret
  } catch (err) {
    if (!isStorageOutage(err as Error)) throw err
    if (existsSync(copy)) return readFileSync(copy, 'utf8')
    log.warn(
      'Redis is not reachable and no copy of the shared session secret is kept: using one of this instance',
    )
    return randomBytes(32).toString('hex')
  }
}

/** Storage chosen by config: Redis when REDIS_URL is set, else the embedded journal in DATA_DIR. */
export default fp<{ config: Config; stores?: Stores }>(
  async (app, { config, stores }) => {
    // With Redis, writes it cannot take wait in DATA_DIR until it is back (storage/outbox.ts).
    let reported = 0
    const redisError = (err: Error) => {
      if (Date.now() - reported > 10_000) {
        reported = Date.now()
        app.log.warn({ err: err.message }, 'Redis connection error (reported every 10 s at most)')
      }
    }
    // ioredis is loaded only when Redis is configured (~80 ms of start-up otherwise).
    const redis = async (url: string) => {
      const { key, source } = loadDataKey(config.dataKey, config.dataDir)
      if (source === 'file') {
        app.log.warn(
          'DATA_KEY is not set: callback numbers are encrypted with the key in DATA_DIR/data-key; ' +
            'with several instances set the same DATA_KEY on each, or the others show them masked',
        )
      }
      const { openRedisStores } = await import('../storage/redis.js')
      return openRedisStores(url, config.redisPrefix, redisError, app.clock, new Sealer(key))
    }
    const chosen =
      stores ??
      (config.redisUrl
        ? withOutbox(await redis(config.redisUrl), config.dataDir, app.log)
        : openEmbeddedStores(config.dataDir, app.clock, app.log))
    app.decorate('stores', chosen)
    app.decorate(
      'sessionTokens',
      new SessionTokens(
        config.sessionSecret ??
          (chosen.kind === 'redis'
            ? await sharedSecret(chosen, config.dataDir, app.log)
            : await chosen.secret()),
      ),
    )
    app.log.info({ storage: chosen.kind }, 'storage ready')
    // Injected stores belong to the caller (tests reuse them across app restarts).
    if (!stores) app.addHook('onClose', async () => chosen.close())
  },
  { name: 'stores' },
)
