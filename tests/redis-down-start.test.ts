import type { ChildProcess } from 'node:child_process'
import type { FastifyInstance } from 'fastify'
import { afterAll, expect, it } from 'vitest'
import { buildApp } from '../src/app.js'
import { readKnowledgeSource } from '../src/knowledge-base/load.js'
import { openRedisStores } from '../src/storage/redis.js'
import type { Stores } from '../src/storage/types.js'
import { chat, tempDir, testConfig } from './helpers.js'
import { runWithRedisServer as run, startRedis, stop } from './redis-server.js'
import { freePort } from './server-process.js'

// Issue 17: with REDIS_URL set the bot could not start while Redis was down, though SECURITY.md says
// patients are answered during an outage. Redis here is a server of the test's own, on a port that is
// closed when the bot starts.
run('starting while Redis is down', () => {
  let redis: ChildProcess | undefined
  let app: FastifyInstance | undefined
  afterAll(async () => {
    await app?.close()
    if (redis) await stop(redis)
  })

  it('starts, answers and keeps handoffs; when Redis comes, writes them and loads what was published', async () => {
    const port = await freePort()
    const url = `redis://127.0.0.1:${port}`
    const redisDir = tempDir('nd-down-redis-')
    const config = testConfig({ redisUrl: url, redisPrefix: 'nd-down:' })

    // Another instance published 心内科 on 9楼 before this one starts; then Redis goes down.
    redis = await startRedis(port, redisDir)
    const other = await openRedisStores(url, 'nd-down:')
    const source = readKnowledgeSource(config.knowledgeDir, config.intentsDir)
    source.places = source.places.map((p) => (p.id === 'cardiology' ? { ...p, floor: 9 } : p))
    await other.knowledge.publish({ author: 'other', at: '2026-11-24T01:00:00Z', changes: [], source })
    await other.close()
    await stop(redis)
    redis = undefined

    app = await buildApp(config, { logger: false })
    await app.ready()
    expect((await app.inject({ method: 'GET', url: '/healthz' })).json()).toMatchObject({ status: 'ok' })
    expect((await chat(app, 'down-1', '心内科在几楼')).reply).toContain('2楼')
    const ticketId = (await chat(app, 'down-2', '转人工')).handoff!.ticketId
    const outbox = () => (app!.stores as Stores & { outbox: () => { pending: number } }).outbox().pending
    expect(outbox()).toBeGreaterThan(0)

    redis = await startRedis(port, redisDir)
    await expect.poll(outbox, { timeout: 20_000 }).toBe(0)
    await expect
      .poll(async () => (await chat(app!, 'down-3', '心内科在几楼')).reply, { timeout: 20_000 })
      .toContain('9楼')
    const direct = await openRedisStores(url, 'nd-down:')
    expect(await direct.tickets.get(ticketId)).toMatchObject({ sessionId: 'down-2', status: 'queued' })
    await direct.close()
  })
})
