import type { ChildProcess } from 'node:child_process'
import { freePort } from './server-process.js'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { FastifyInstance } from 'fastify'
import { runWithRedisServer as run, startRedis, stop } from './redis-server.js'
import { afterAll, beforeAll, expect, it, onTestFinished } from 'vitest'
import { buildApp } from '../src/app.js'
import { createAccount } from '../src/auth/accounts.js'
import { openRedisStores } from '../src/storage/redis.js'
import type { Stores } from '../src/storage/types.js'
import { signIn, testConfig } from './helpers.js'

/** Redis killed mid-traffic and started again: a Redis of the test's own (tests/redis-server.ts). */
run('Redis restarted or unreachable mid-traffic', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nd-outage-'))
  const dataDir = path.join(dir, 'app')
  let port: number
  let redis: ChildProcess
  let app: FastifyInstance
  let auth: Record<string, string>
  const config = () =>
    testConfig({ redisUrl: `redis://127.0.0.1:${port}`, redisPrefix: 'nd-outage:', dataDir })
  // Each conversation's latest session token, as a client keeps it (valid across restarts of the bot).
  const tokens = new Map<string, string>()
  const chat = async (sessionId: string, text: string) => {
    const token = tokens.get(sessionId)
    const res = await app.inject({
      method: 'POST',
      url: '/api/chat',
      payload: { sessionId, text },
      headers: token ? { 'x-session-token': token } : {},
    })
    if (res.json().sessionToken) tokens.set(sessionId, res.json().sessionToken)
    return { status: res.statusCode, body: res.json() }
  }

  beforeAll(async () => {
    port = await freePort()
    redis = await startRedis(port, dir)
    app = await buildApp(config(), { logger: false })
    await app.ready()
    await createAccount(app.stores.agents, {
      username: 'outage.nurse',
      password: 'outage-night-2026',
      role: 'agent',
    })
    auth = await signIn(app, 'outage.nurse', 'outage-night-2026')
  })
  afterAll(async () => {
    await app?.close()
    if (redis) await stop(redis)
    rmSync(dir, { recursive: true, force: true })
  })

  it('keeps answering, keeps every handoff and message, shows them to agents, and writes them when Redis is back', async () => {
    expect((await chat('before-1', '心内科在几楼')).body.action).toBe('answer')
    // The agent's console is open, as on a night shift.
    expect((await app.inject({ method: 'GET', url: '/api/agent/queue', headers: auth })).statusCode).toBe(200)

    await stop(redis)
    const faqs = ['心内科在几楼', '做胃镜要空腹吗', '探视时间是几点', '停车怎么收费', '怎么挂号']
    const handoffs = ['转人工', '我爸突然胸口剧痛喘不上气', '收费处多收了我两百块钱，我要投诉']
    const replies: Array<{ status: number; body: { action: string; handoff: { ticketId: string } | null } }> =
      []
    let messages = 0
    for (let i = 0; i < 12; i++) {
      const session = `outage-${i}`
      for (const text of [
        faqs[i % faqs.length]!,
        faqs[(i + 1) % faqs.length]!,
        ...(i % 3 === 0 ? [handoffs[(i / 3) % handoffs.length]!] : []),
      ]) {
        replies.push(await chat(session, text))
        messages++
      }
    }
    const ticketIds = replies.flatMap((r) => (r.body.handoff ? [r.body.handoff.ticketId] : []))
    expect(replies.map((r) => r.status).filter((s) => s !== 200)).toEqual([])
    expect(replies.filter((r) => !r.body.handoff).every((r) => r.body.action === 'answer')).toBe(true)
    expect(ticketIds.length).toBe(4)

    // A signed-in agent sees the tickets waiting on this instance, the urgent one first.
    const queue = await app.inject({ method: 'GET', url: '/api/agent/queue', headers: auth })
    expect(queue.statusCode).toBe(200)
    const queued = queue.json().tickets as Array<{ id: string; priority: string }>
    expect(ticketIds.every((id) => queued.some((t) => t.id === id))).toBe(true)
    expect(queued[0]!.priority).toBe('urgent')
    // What needs Redis itself says so, with a status a client can act on.
    const claim = await app.inject({
      method: 'POST',
      url: `/api/agent/tickets/${ticketIds[0]}/claim`,
      headers: auth,
    })
    expect(claim.statusCode).toBe(503)
    expect(claim.json().error.code).toBe('ND_STORAGE_UNAVAILABLE')
    // Rate limits are counted on this instance meanwhile: the 11th sign-in attempt a minute is refused.
    const attempts = [] as number[]
    for (let i = 0; i < 11; i++) {
      attempts.push(
        (
          await app.inject({
            method: 'POST',
            url: '/api/auth/login',
            payload: { username: 'outage-guess', password: `p${i}` },
          })
        ).statusCode,
      )
    }
    expect(attempts.at(-1)).toBe(429)
    expect(attempts.slice(0, 10)).not.toContain(429)
    const pending = (app.stores as Stores & { outbox: () => { pending: number } }).outbox().pending

    redis = await startRedis(port, dir)
    await expect
      .poll(() => (app.stores as Stores & { outbox: () => { pending: number } }).outbox().pending, {
        timeout: 10_000,
        interval: 100,
      })
      .toBe(0)

    // Read back through a fresh connection: every ticket and every turn reached Redis.
    const direct = await openRedisStores(`redis://127.0.0.1:${port}`, 'nd-outage:')
    try {
      const tickets = await Promise.all(ticketIds.map((id) => direct.tickets.get(id)))
      const transcripts = await Promise.all(
        Array.from({ length: 12 }, (_, i) => direct.transcripts.list(`outage-${i}`)),
      )
      const stored = transcripts.reduce((n, t) => n + t.filter((e) => e.role === 'patient').length, 0)
      console.log(
        `Redis outage: ${messages} messages and ${ticketIds.length} handoffs during the outage, ${pending} writes kept on disk, tickets lost ${tickets.filter((t) => !t).length}, messages lost ${messages - stored}`,
      )
      expect(tickets.every((t) => t?.status === 'queued')).toBe(true)
      expect(stored).toBe(messages)
      expect(tickets.some((t) => t?.priority === 'urgent')).toBe(true)
    } finally {
      await direct.close()
    }
    expect(
      (await app.inject({ method: 'POST', url: `/api/agent/tickets/${ticketIds[0]}/claim`, headers: auth }))
        .statusCode,
    ).toBe(200)
  }, 60_000)

  it('keeps what waits on disk across a restart of the bot during the outage', async () => {
    await stop(redis)
    const reply = await chat('outage-restart', '转人工')
    expect(reply.status).toBe(200)
    const ticketId = reply.body.handoff.ticketId as string
    await app.close()

    redis = await startRedis(port, dir)
    app = await buildApp(config(), { logger: false })
    await app.ready()
    await expect
      .poll(async () => (await app.stores.tickets.get(ticketId))?.status, { timeout: 10_000, interval: 100 })
      .toBe('queued')
    await expect
      .poll(() => (app.stores as Stores & { outbox: () => { pending: number } }).outbox().pending, {
        timeout: 10_000,
        interval: 100,
      })
      .toBe(0)
    const direct = await openRedisStores(`redis://127.0.0.1:${port}`, 'nd-outage:')
    try {
      expect((await direct.tickets.get(ticketId))?.id).toBe(ticketId)
      expect((await direct.transcripts.list('outage-restart')).length).toBe(2)
    } finally {
      await direct.close()
    }
  }, 60_000)

  it('answers the emergency of a patient already with a person, and raises the ticket when Redis is back', async () => {
    const first = await chat('outage-handed-off', '转人工')
    expect(first.body.handoff).toMatchObject({ reason: 'human_requested', priority: 'normal' })
    const ticketId = first.body.handoff.ticketId as string
    // A second instance, which has never seen that conversation: without Redis it cannot read it.
    expect((await chat('outage-elsewhere', '转人工')).body.action).toBe('handoff')
    const other = await buildApp(
      testConfig({
        redisUrl: `redis://127.0.0.1:${port}`,
        redisPrefix: 'nd-outage:',
        dataDir: path.join(dir, 'other'),
      }),
      { logger: false },
    )
    onTestFinished(() => other.close())
    await other.ready()

    await stop(redis)
    const waiting = await chat('outage-handed-off', '还要等多久')
    expect(waiting.status).toBe(200)
    expect(waiting.body).toMatchObject({ action: 'handoff', handoff: { ticketId } })
    const er = await chat('outage-handed-off', '我爸突然胸口剧痛，喘不上气')
    expect(er.status).toBe(200)
    expect(er.body).toMatchObject({
      action: 'handoff',
      handoff: { ticketId, reason: 'emergency', priority: 'urgent' },
    })
    expect(er.body.reply).toContain('120')
    const elsewhere = await other.inject({
      method: 'POST',
      url: '/api/chat',
      payload: { sessionId: 'outage-elsewhere', text: '我爸突然胸口剧痛，喘不上气' },
    })
    expect(elsewhere.statusCode).toBe(200)
    expect(elsewhere.json()).toMatchObject({
      action: 'handoff',
      handoff: { reason: 'emergency', priority: 'urgent' },
    })
    expect(elsewhere.json().reply).toContain('120')

    redis = await startRedis(port, dir)
    const direct = await openRedisStores(`redis://127.0.0.1:${port}`, 'nd-outage:')
    try {
      await expect
        .poll(async () => (await direct.tickets.get(ticketId))?.priority, { timeout: 10_000, interval: 100 })
        .toBe('urgent')
      await expect
        .poll(async () => (await direct.tickets.get(elsewhere.json().handoff.ticketId))?.priority, {
          timeout: 10_000,
          interval: 100,
        })
        .toBe('urgent')
      await expect
        .poll(async () => (await direct.transcripts.list('outage-handed-off')).length, {
          timeout: 10_000,
          interval: 100,
        })
        .toBe(6)
      expect((await direct.sessions.get('outage-handed-off'))?.state.handoff).toMatchObject({
        ticketId,
        priority: 'urgent',
      })
    } finally {
      await direct.close()
    }
  }, 60_000)
})
