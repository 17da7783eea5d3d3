import { once } from 'node:events'
import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { openEmbeddedStores } from '../../src/storage/embedded.js'
import { openRedisStores } from '../../src/storage/redis.js'
import type { Stores } from '../../src/storage/types.js'
import { tempDir } from '../helpers.js'
import { describeWithRedis, dropKeys, REDIS_URL } from '../redis-available.js'
import { freePort, postChat as post, startServer as start } from '../server-process.js'

/** kill -9 right after 20 concurrent handoffs are acknowledged, then restart: everything is there. */
function crashTest(env: Record<string, string>, open: () => Promise<Stores>) {
  return async () => {
    const port = await freePort()
    const first = await start(env, port)
    const tickets: string[] = []
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) => post(port, `crash-${i}`, i % 2 ? '转人工' : '我不想活了')),
    )
    first.kill('SIGKILL')
    await once(first, 'exit')
    for (const r of replies) {
      expect(r.action).toBe('handoff')
      tickets.push(r.handoff?.ticketId ?? '')
    }

    const stores = await open()
    let ticketsLost = 0
    let entriesLost = 0
    for (const [i, id] of tickets.entries()) {
      const ticket = await stores.tickets.get(id)
      if (ticket?.sessionId !== `crash-${i}` || ticket.status !== 'queued') ticketsLost++
      entriesLost += 2 - (await stores.transcripts.list(`crash-${i}`)).length
    }
    await stores.close()
    console.log(
      `kill -9 after 20 concurrent handoffs (${stores.kind}): tickets lost ${ticketsLost}, transcript entries lost ${entriesLost}`,
    )
    expect({ ticketsLost, entriesLost }).toEqual({ ticketsLost: 0, entriesLost: 0 })

    const second = await start(env, port)
    try {
      const later = await post(port, 'crash-1', '还有人吗', replies[1]!.sessionToken)
      expect(later.action).toBe('handoff')
      expect(later.handoff?.ticketId).toBe(tickets[1])
    } finally {
      second.kill('SIGTERM')
      await once(second, 'exit')
    }
  }
}

describe('kill -9 loses nothing (embedded default)', () => {
  const dataDir = tempDir('nd-crash-')
  it(
    'keeps every acknowledged ticket, transcript and handed-off session',
    crashTest({ DATA_DIR: dataDir }, async () => openEmbeddedStores(dataDir)),
  )
})

await describeWithRedis('kill -9 loses nothing (Redis)', () => {
  const prefix = `nd-crash-${randomBytes(4).toString('hex')}:`
  it('keeps every acknowledged ticket, transcript and handed-off session', async () => {
    try {
      await crashTest({ REDIS_URL, REDIS_PREFIX: prefix, DATA_DIR: tempDir('nd-crash-r-') }, () =>
        openRedisStores(REDIS_URL, prefix),
      )()
    } finally {
      await dropKeys(prefix)
    }
  })
})
