import { describe, expect, it } from 'vitest'
import { loadConfig } from '../src/config.js'

describe('loadConfig', () => {
  it('has the contract defaults', () => {
    const c = loadConfig({})
    expect(c).toMatchObject({
      host: '127.0.0.1',
      port: 3000,
      dataDir: './data',
      timezone: 'Asia/Shanghai',
      logLevel: 'info',
    })
    expect(c.redisUrl).toBeUndefined()
    expect(c.rateLimit.enabled).toBe(true)
  })

  it('reads the environment', () => {
    const c = loadConfig({
      PORT: '8080',
      RATE_LIMIT: 'off',
      REDIS_URL: 'redis://127.0.0.1:6379',
      DATA_DIR: '/tmp/x',
    })
    expect(c).toMatchObject({ port: 8080, redisUrl: 'redis://127.0.0.1:6379', dataDir: '/tmp/x' })
    expect(c.rateLimit.enabled).toBe(false)
  })

  it('names an invalid value', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/port/)
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow(/Invalid configuration/)
  })
})
