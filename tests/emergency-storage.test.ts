import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import type { FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { buildApp } from '../src/app.js'
import { loadConfig, type Config } from '../src/config.js'
import { openEmbeddedStores } from '../src/storage/embedded.js'
import type { Stores } from '../src/storage/types.js'
import { tempDir, testConfig } from './helpers.js'

/**
 * The bot's first promise: an emergency gets the 120 reply and an urgent handoff with HTTP 200,
 * whatever storage does (tests/redis-outage.test.ts covers Redis killed under a handed-off patient).
 */
const EMERGENCY = '我爸突然胸口剧痛，喘不上气'
const ERROR = 50

type Logged = Record<string, unknown> & { level: number; msg: string }

let app: FastifyInstance | undefined
afterEach(async () => {
  await app?.close()
  app = undefined
})

/** The app with its log lines collected (pino writes one JSON line per entry). */
async function start(config: Config, deps: { stores?: Stores } = {}): Promise<Logged[]> {
  const logged: Logged[] = []
  app = await buildApp(config, {
    ...deps,
    logger: { level: 'warn', stream: { write: (line: string) => logged.push(JSON.parse(line)) } },
  })
  await app.ready()
  return logged
}

// Each conversation's latest session token, as a client keeps it.
const tokens = new Map<string, string>()
const send = async (sessionId: string, text: string) => {
  const token = tokens.get(sessionId)
  const res = await app!.inject({
    method: 'POST',
    url: '/api/chat',
    payload: { sessionId, text },
    headers: token ? { 'x-session-token': token } : {},
  })
  if (res.json().sessionToken) tokens.set(sessionId, res.json().sessionToken)
  return { status: res.statusCode, body: res.json() }
}

const expectEmergencyReply = (res: { status: number; body: Record<string, unknown> }) => {
  expect(res.status).toBe(200)
  expect(res.body).toMatchObject({ action: 'handoff', handoff: { reason: 'emergency', priority: 'urgent' } })
  expect(res.body.reply).toContain('120')
}

describe('a damaged line in the embedded journal', () => {
  it('loses that line only: the rest loads, the line is logged and kept aside, and its conversation is answered', async () => {
    const config = testConfig()
    const file = path.join(config.dataDir, 'journal.ndjson')
    const side = path.join(config.dataDir, 'journal.damaged.ndjson')
    await start(config)
    const handedOff = (await send('jd-ticket', '转人工')).body.handoff.ticketId as string
    const urgent = (await send('jd-urgent', EMERGENCY)).body.handoff.ticketId as string
    const callback = (await send('jd-phone', '转人工')).body.handoff.ticketId as string
    await send('jd-state', '心内科在几楼')
    await send('jd-intact', '心内科在几楼')
    await app!.close()

    // Between the two starts, on disk: three tickets cut short (a bad block), and in another
    // conversation's turn a flipped bit that still parses ("state" → "stbte").
    const lines = readFileSync(file, 'utf8').split('\n')
    const find = (kind: string, id: string) =>
      lines.findIndex((l) => l.startsWith(`{"c":"${kind}"`) && l.includes(`"${id}"`))
    const damagedAt = [
      find('ticket', handedOff),
      find('ticket', urgent),
      find('ticket', callback),
      find('turn', 'jd-state'),
    ].sort((a, b) => a - b)
    expect(damagedAt).not.toContain(-1)
    for (const at of damagedAt) {
      lines[at] = lines[at]!.startsWith('{"c":"turn"')
        ? lines[at]!.replace('"state":', '"stbte":')
        : lines[at]!.slice(0, 60)
    }
    writeFileSync(file, lines.join('\n'))
    const copies = damagedAt.map((at) => `${lines[at]}\n`).join('')

    const logged = await start(config)
    const damaged = logged.filter((l) => l.level === ERROR && l.file === file)
    expect(damaged).toEqual(
      damagedAt.map((at) =>
        expect.objectContaining({ line: at + 1, text: lines[at]!.slice(0, 80), keptIn: side }),
      ),
    )
    expect(readFileSync(side, 'utf8')).toBe(copies)
    expect(await app!.stores.tickets.get(handedOff)).toBeUndefined()
    expect(await app!.stores.tickets.get(urgent)).toBeUndefined()
    expect(await app!.stores.tickets.get(callback)).toBeUndefined()
    expect(await app!.stores.transcripts.list('jd-ticket')).toHaveLength(2)
    expect(await app!.stores.transcripts.list('jd-intact')).toHaveLength(2)

    // The handed-off patient's emergency opens a new urgent ticket in place of the lost one.
    const er = await send('jd-ticket', EMERGENCY)
    expectEmergencyReply(er)
    const ticketId = er.body.handoff.ticketId as string
    expect(ticketId).not.toBe(handedOff)
    expect(await app!.stores.tickets.get(ticketId)).toMatchObject({
      sessionId: 'jd-ticket',
      priority: 'urgent',
      status: 'queued',
      detail: { replacesMissing: handedOff },
    })
    // So does a second emergency of a conversation whose urgent ticket was lost.
    const again = await send('jd-urgent', EMERGENCY)
    expectEmergencyReply(again)
    expect(await app!.stores.tickets.get(again.body.handoff.ticketId)).toMatchObject({
      sessionId: 'jd-urgent',
      priority: 'urgent',
      detail: { replacesMissing: urgent },
    })
    // A callback number left for a lost ticket opens it again, with the number.
    const phone = await send('jd-phone', '我的电话13912345678')
    expect(phone.status).toBe(200)
    expect(await app!.stores.tickets.get(phone.body.handoff.ticketId)).toMatchObject({
      reason: 'human_requested',
      detail: { callbackPhone: '13912345678', replacesMissing: callback },
    })
    // A conversation whose state was damaged starts again: its messages are answered, not a 500.
    expect((await send('jd-state', '那消化内科呢')).status).toBe(200)
    expectEmergencyReply(await send('jd-state', EMERGENCY))
    await app!.close()

    // The next start finds nothing damaged, keeps the copies, and has the new ticket.
    const restarted = await start(config)
    expect(restarted.filter((l) => l.level >= ERROR)).toEqual([])
    expect(readFileSync(side, 'utf8')).toBe(copies)
    expect((await app!.stores.tickets.get(ticketId))?.priority).toBe('urgent')
  })
})

describe('a store method throwing', () => {
  /** Every method of the stores rejects while `broken` says so, as a failing disk or a bug would. */
  function breakable(stores: Stores, broken: () => boolean): Stores {
    const wrap = <T extends object>(target: T): T =>
      new Proxy(target, {
        get(t, key) {
          const value = Reflect.get(t, key)
          if (typeof value === 'function') {
            return (...args: unknown[]) =>
              broken() ? Promise.reject(new Error('storage refused')) : value.apply(t, args)
          }
          return value && typeof value === 'object' ? wrap(value) : value
        },
      })
    return wrap(stores)
  }

  it('answers an emergency from the message alone, in its language, and logs the failure with the session id', async () => {
    const inner = openEmbeddedStores(tempDir())
    let broken = false
    // With the per-conversation limit on: storage that cannot count must not refuse an emergency.
    const config = testConfig({ rateLimit: loadConfig({}).rateLimit })
    const logged = await start(config, { stores: breakable(inner, () => broken) })
    try {
      await send('broken-1', '转人工')
      broken = true

      const er = await send('broken-1', EMERGENCY)
      expectEmergencyReply(er)
      expect(er.body.lang).toBe('zh')
      const failures = logged.filter((l) => l.level === ERROR && l.sessionId === 'broken-1')
      expect(failures.map((l) => l.msg)).toEqual(
        expect.arrayContaining([
          expect.stringContaining('could not be read'),
          expect.stringContaining('not stored'),
        ]),
      )
      const english = await send('broken-2', 'My dad has sudden crushing chest pain and can’t breathe')
      expectEmergencyReply(english)
      expect(english.body.lang).toBe('en')
      // Only emergencies are promised: other messages fail as before while storage does.
      expect((await send('broken-1', '心内科在几楼')).status).toBeGreaterThanOrEqual(500)
    } finally {
      broken = false
      await app!.close()
      app = undefined
      await inner.close()
    }
  })
})
