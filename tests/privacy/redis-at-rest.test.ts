import { randomBytes } from 'node:crypto'
import { existsSync, statSync } from 'node:fs'
import path from 'node:path'
import type { FastifyInstance } from 'fastify'
import { Redis } from 'ioredis'
import { afterAll, expect, it } from 'vitest'
import { buildApp } from '../../src/app.js'
import { redisKeys } from '../../src/storage/redis-keys.js'
import { chat, tempDir, testClock, testConfig } from '../helpers.js'
import { describeWithRedis, dropKeys, REDIS_URL } from '../redis-available.js'

// With Redis, what is stored of a patient (issue 17: phone numbers were kept in plain text in ticket
// and transcript keys): their words masked, the callback number encrypted with DATA_KEY.
const prefix = `nd-test-${randomBytes(4).toString('hex')}:`
const keys = redisKeys(prefix)
const KEY_A = randomBytes(32).toString('hex')
const apps: FastifyInstance[] = []

const start = async (dataKey?: string, dataDir = tempDir('nd-seal-')) => {
  const app = await buildApp(
    testConfig({ redisUrl: REDIS_URL, redisPrefix: prefix, dataDir, ...(dataKey ? { dataKey } : {}) }),
    // 02:00 in the hospital: nobody on duty, so the bot asks for a callback number.
    { logger: false, clock: testClock('2026-11-24T02:00:00+08:00') },
  )
  await app.ready()
  apps.push(app)
  return app
}

/** A patient asks for a person at night and leaves a name, an ID number and a callback number. */
const handOff = async (app: FastifyInstance, sessionId: string) => {
  const res = await chat(app, sessionId, '转人工，我是王小明，身份证110101199003074518')
  expect(res.action).toBe('handoff')
  const saved = await chat(app, sessionId, '我的电话是 139-1234-5678')
  expect(saved.reply).toContain('139****5678')
  return res.handoff!.ticketId
}

await describeWithRedis('patient data at rest in Redis', () => {
  const redis = new Redis(REDIS_URL)
  afterAll(async () => {
    for (const app of apps) await app.close()
    redis.disconnect()
    await dropKeys(prefix)
  })

  it('stores transcripts masked and the callback number encrypted; agents read the number', async () => {
    const app = await start(KEY_A)
    const ticketId = await handOff(app, 'at-rest-1')

    const transcript = (await redis.lrange(keys.transcript('at-rest-1'), 0, -1)).join('\n')
    const ticket = (await redis.get(keys.ticket(ticketId)))!
    for (const raw of [transcript, ticket]) {
      expect(raw).not.toContain('13912345678')
      expect(raw).not.toContain('1234-5678')
      expect(raw).not.toContain('小明')
      expect(raw).not.toContain('19900307')
    }
    expect(transcript).toContain('王**')
    expect(JSON.parse(ticket).detail.callbackPhone).toMatch(/^sealed:v1:139\*\*\*\*5678:[\w-]+$/)

    expect((await app.stores.tickets.get(ticketId))?.detail.callbackPhone).toBe('13912345678')
    expect((await app.stores.tickets.list()).find((t) => t.id === ticketId)?.detail.callbackPhone).toBe(
      '13912345678',
    )
  })

  it('shows the masked number on an instance with another key, and never a wrong number', async () => {
    const [first] = apps
    const ticketId = (await first!.stores.tickets.list()).find((t) => t.sessionId === 'at-rest-1')!.id
    const other = await start(randomBytes(32).toString('base64'))
    expect((await other.stores.tickets.get(ticketId))?.detail.callbackPhone).toBe('139****5678')
  })

  it('without DATA_KEY keeps a key of its own in DATA_DIR/data-key, readable by this user only', async () => {
    const dataDir = tempDir('nd-seal-file-')
    const app = await start(undefined, dataDir)
    const ticketId = await handOff(app, 'at-rest-2')
    const file = path.join(dataDir, 'data-key')
    expect(existsSync(file)).toBe(true)
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect((await app.stores.tickets.get(ticketId))?.detail.callbackPhone).toBe('13912345678')
    expect(await redis.get(keys.ticket(ticketId))).not.toContain('13912345678')
  })
})
