import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { TicketConflictError, type Stores, type Ticket } from '../../src/storage/types.js'

/** The contract every storage implementation passes (aedes-persistence style abstract suite). */
export function describeStore(
  name: string,
  open: () => Promise<Stores>,
  reopen: (s: Stores) => Promise<Stores>,
) {
  const ticket = (id: string, over: Partial<Ticket> = {}): Ticket => ({
    id,
    sessionId: `s-${id}`,
    channel: 'api',
    reason: 'human_requested',
    priority: 'normal',
    status: 'queued',
    detail: { evidence: '转人工' },
    createdAt: '2026-11-20T10:00:00.000Z',
    updatedAt: '2026-11-20T10:00:01.000Z',
    ...over,
  })

  describe(`${name} store`, () => {
    it('creates, reads, updates and lists tickets', async () => {
      const s = await open()
      try {
        await s.tickets.create(ticket('t1'))
        await s.tickets.create(ticket('t2', { priority: 'urgent', reason: 'emergency' }))
        expect(await s.tickets.get('t1')).toMatchObject({ id: 't1', status: 'queued' })
        const updated = await s.tickets.update('t1', { status: 'assigned' })
        expect(updated).toMatchObject({ id: 't1', status: 'assigned', sessionId: 's-t1' })
        expect((await s.tickets.list({ status: ['queued'] })).map((t) => t.id)).toEqual(['t2'])
        expect((await s.tickets.list()).map((t) => t.id).sort()).toEqual(['t1', 't2'])
        await expect(s.tickets.update('nope', { status: 'closed' })).rejects.toThrow(/not found/)
        expect(await s.tickets.get('nope')).toBeUndefined()
      } finally {
        await s.close()
      }
    })

    it("merges a change's detail into the ticket's: no writer drops another's keys", async () => {
      const s = await open()
      try {
        await s.tickets.create(ticket('merge'))
        await s.tickets.update('merge', { detail: { level: 2 } })
        await s.tickets.update('merge', { priority: 'urgent', detail: { escalatedFrom: 'normal' } })
        const moved = await s.tickets.transition('merge', ['queued'], { detail: { escalatedTo: '医务处' } })
        const expected = {
          evidence: '转人工',
          level: 2,
          escalatedFrom: 'normal',
          escalatedTo: '医务处',
        }
        expect(moved.detail).toEqual(expected)
        expect((await s.tickets.get('merge'))?.detail).toEqual(expected)
        expect((await s.tickets.get('merge'))?.priority).toBe('urgent')
      } finally {
        await s.close()
      }
    })

    it('counts events per key in a sliding window (rate limits)', async () => {
      const s = await open()
      try {
        const key = `rate-${randomUUID()}`
        // A minute's window: the third hit is refused however slow this machine is.
        expect([await s.rates.hit(key, 2, 60_000), await s.rates.hit(key, 2, 60_000)]).toEqual([0, 0])
        const wait = await s.rates.hit(key, 2, 60_000)
        expect(wait).toBeGreaterThan(0)
        expect(wait).toBeLessThanOrEqual(60_000)
        expect(await s.rates.hit(`${key}-other`, 2, 60_000)).toBe(0)
        // A short window slides: a key is admitted again once its window has passed.
        const short = `${key}-short`
        expect(await s.rates.hit(short, 1, 200)).toBe(0)
        await expect.poll(() => s.rates.hit(short, 1, 200)).toBe(0)
      } finally {
        await s.close()
      }
    })

    it('locks a username at one address after repeated wrong passwords, lists and lifts lockouts', async () => {
      const s = await open()
      try {
        const user = `user-${randomUUID()}`
        const policy = { max: 3, windowMs: 60_000, lockMs: 600_000 }
        const t0 = Date.parse('2026-11-24T01:00:00Z')
        expect(await s.signIns.fail(user, '10.0.0.1', t0, policy)).toBeUndefined()
        expect(await s.signIns.fail(user, '10.0.0.2', t0, policy)).toBeUndefined()
        // Failures older than the window do not count.
        expect(await s.signIns.fail(user, '10.0.0.1', t0 + 61_000, policy)).toBeUndefined()
        expect(await s.signIns.fail(user, '10.0.0.1', t0 + 62_000, policy)).toBeUndefined()
        expect(await s.signIns.fail(user, '10.0.0.1', t0 + 63_000, policy)).toBe(t0 + 663_000)
        expect(await s.signIns.lockedUntil(user, '10.0.0.1', t0 + 64_000)).toBe(t0 + 663_000)
        expect(await s.signIns.lockedUntil(user, '10.0.0.2', t0 + 64_000)).toBeUndefined()
        const mine = async (now: number) => (await s.signIns.lockouts(now)).filter((l) => l.username === user)
        expect(await mine(t0 + 64_000)).toEqual([
          { username: user, ip: '10.0.0.1', until: new Date(t0 + 663_000).toISOString() },
        ])
        expect(await mine(t0 + 663_000)).toEqual([])
        // A right password clears the count; lifting ends a lockout at once.
        await s.signIns.fail(user, '10.0.0.3', t0, policy)
        await s.signIns.fail(user, '10.0.0.3', t0, policy)
        await s.signIns.clear(user, '10.0.0.3')
        expect(await s.signIns.fail(user, '10.0.0.3', t0, policy)).toBeUndefined()
        await s.signIns.fail(user, '10.0.0.3', t0, policy)
        expect(await s.signIns.fail(user, '10.0.0.3', t0, policy)).toBe(t0 + 600_000)
        expect(await s.signIns.lift(user)).toBe(1)
        expect(await s.signIns.lockedUntil(user, '10.0.0.3', t0)).toBeUndefined()
      } finally {
        await s.close()
      }
    })

    it('claims atomically: of ten concurrent claims exactly one wins', async () => {
      const s = await open()
      try {
        await s.tickets.create(ticket('race'))
        const results = await Promise.allSettled(
          Array.from({ length: 10 }, (_, i) =>
            s.tickets.transition('race', ['queued'], { status: 'assigned', assignee: `agent-${i}` }),
          ),
        )
        const won = results.filter((r) => r.status === 'fulfilled')
        expect(won).toHaveLength(1)
        const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')
        expect(
          lost.every((r) => r.reason instanceof TicketConflictError && r.reason.status === 'assigned'),
        ).toBe(true)
        expect((await s.tickets.get('race'))?.assignee).toBe(
          (won[0] as PromiseFulfilledResult<Ticket>).value.assignee,
        )
        await expect(s.tickets.transition('nope', ['queued'], { status: 'assigned' })).rejects.toThrow(
          /not found/,
        )
      } finally {
        await s.close()
      }
    })

    it('keeps agents, sign-in tokens and presence', async () => {
      const s = await open()
      try {
        await s.agents.create({
          id: 'a1',
          username: 'nurse.li',
          displayName: '李护士',
          role: 'agent',
          passwordHash: 'scrypt$x',
          createdAt: 't0',
        })
        expect((await s.agents.byUsername('nurse.li'))?.id).toBe('a1')
        expect(await s.agents.byUsername('nobody')).toBeUndefined()
        await s.agents.saveToken({
          tokenHash: 'h1',
          agentId: 'a1',
          // Valid whatever day the tests run on (a store keeps a token until it expires).
          expiresAt: '2099-01-01T00:00:00.000Z',
        })
        expect((await s.agents.token('h1'))?.agentId).toBe('a1')
        await s.agents.revokeToken('h1')
        expect(await s.agents.token('h1')).toBeUndefined()
        await s.agents.setPresence('a1', 'online', 't1')
        expect((await s.agents.presence()).a1).toEqual({ presence: 'online', at: 't1' })
      } finally {
        await s.close()
      }
    })

    it('numbers knowledge versions, keeps the draft and the audit log', async () => {
      const s = await open()
      try {
        const source = { intents: [] } as never
        const [a, b] = await Promise.all([
          s.knowledge.publish({ author: 'x', at: 't1', changes: [], source }),
          s.knowledge.publish({ author: 'y', at: 't2', changes: ['places[7].floor: 2 → 9'], source }),
        ])
        expect([a.version, b.version].sort()).toEqual([1, 2])
        expect((await s.knowledge.latest())?.version).toBe(2)
        expect((await s.knowledge.list()).map((v) => v.version)).toEqual([1, 2])
        expect(await s.knowledge.get(3)).toBeUndefined()
        await s.knowledge.saveDraft({ source, author: 'x', at: 't3' })
        expect((await s.knowledge.draft())?.author).toBe('x')
        await s.knowledge.saveDraft(undefined)
        expect(await s.knowledge.draft()).toBeUndefined()
        await s.knowledge.audit({ at: 't4', actor: 'x', action: 'publish', detail: { version: 2 } })
        await s.knowledge.audit({ at: 't5', actor: 'y', action: 'rollback', detail: {} })
        expect((await s.knowledge.auditLog()).map((e) => e.action)).toEqual(['rollback', 'publish'])
      } finally {
        await s.close()
      }
    })

    it('forgets one patient and prunes old transcripts (privacy)', async () => {
      const s = await open()
      try {
        await s.tickets.create(
          ticket('priv', { sessionId: 'priv-1', detail: { callbackPhone: '13912345678' } }),
        )
        await s.recordTurn(
          {
            sessionId: 'priv-1',
            channel: 'web',
            createdAt: 't0',
            updatedAt: '2026-11-20T10:00:00.000Z',
            state: { failures: 0 },
          },
          [{ at: '2026-11-20T10:00:00.000Z', role: 'patient', text: '我叫王小明 13912345678' }],
        )
        await s.recordTurn(
          {
            sessionId: 'priv-2',
            channel: 'web',
            createdAt: 't0',
            updatedAt: '2020-01-01T00:00:00.000Z',
            state: { failures: 0 },
          },
          [
            { at: '2020-01-01T00:00:00.000Z', role: 'patient', text: '旧消息' },
            { at: '2026-11-20T10:00:00.000Z', role: 'patient', text: '新消息' },
          ],
        )
        expect(await s.privacy.forget('priv-1')).toEqual({ transcriptEntries: 1, tickets: 1 })
        expect(await s.transcripts.list('priv-1')).toEqual([])
        expect(await s.sessions.get('priv-1')).toBeUndefined()
        expect(await s.tickets.get('priv')).toMatchObject({
          sessionId: 'forgotten',
          detail: {},
          reason: 'human_requested',
        })
        expect(await s.privacy.prune(new Date('2021-01-01T00:00:00Z'))).toMatchObject({
          transcriptEntries: 1,
        })
        expect((await s.transcripts.list('priv-2')).map((e) => e.text)).toEqual(['新消息'])
      } finally {
        await s.close()
      }
    })

    it('delivers published events to subscribers', async () => {
      const s = await open()
      try {
        const got: unknown[] = []
        const off = await s.events.subscribe('queue', (e) => got.push(e))
        await s.events.publish('queue', { type: 'ticket', id: 't9' })
        await expect.poll(() => got).toEqual([{ type: 'ticket', id: 't9' }])
        await off()
        // Events arrive in order: once a later subscriber has t10, an unsubscribed one would have too.
        const later: unknown[] = []
        const offLater = await s.events.subscribe('queue', (e) => later.push(e))
        await s.events.publish('queue', { type: 'ticket', id: 't10' })
        await expect.poll(() => later).toEqual([{ type: 'ticket', id: 't10' }])
        expect(got).toHaveLength(1)
        await offLater()
      } finally {
        await s.close()
      }
    })

    it('appends and lists transcripts in order, per session', async () => {
      const s = await open()
      try {
        await s.transcripts.append('a', [
          { at: 't0', role: 'patient', text: '心内科在几楼' },
          { at: 't0', role: 'bot', text: '2楼', action: 'answer' },
        ])
        await s.transcripts.append('a', [{ at: 't1', role: 'patient', text: '谢谢' }])
        await s.transcripts.append('b', [{ at: 't1', role: 'patient', text: '转人工' }])
        expect((await s.transcripts.list('a')).map((e) => e.text)).toEqual(['心内科在几楼', '2楼', '谢谢'])
        expect(await s.transcripts.list('none')).toEqual([])
        expect(await s.transcripts.sessionIds()).toEqual(expect.arrayContaining(['a', 'b']))
      } finally {
        await s.close()
      }
    })

    it('records a turn: transcript entries and conversation state together', async () => {
      const s = await open()
      try {
        await s.recordTurn(
          {
            sessionId: 'turn',
            channel: 'web',
            createdAt: 't0',
            updatedAt: 't1',
            state: { failures: 0, lastIntent: 'parking' },
          },
          [
            { at: 't1', role: 'patient', text: '停车怎么收费' },
            { at: 't1', role: 'bot', text: '每小时5元', action: 'answer' },
          ],
        )
        expect((await s.sessions.get('turn'))?.state.lastIntent).toBe('parking')
        expect((await s.transcripts.list('turn')).map((e) => e.role)).toEqual(['patient', 'bot'])
      } finally {
        await s.close()
      }
    })

    it('keeps tickets, transcripts and sessions across a restart', async () => {
      const s = await open()
      await s.agents.create({
        id: 'k1',
        username: 'keeper',
        displayName: '值班长',
        role: 'admin',
        passwordHash: 'scrypt$y',
        createdAt: 't0',
      })
      await s.tickets.create(ticket('keep', { priority: 'high' }))
      await s.transcripts.append('keep-session', [{ at: 't0', role: 'patient', text: '我要投诉' }])
      await s.sessions.put({
        sessionId: 'keep-session',
        channel: 'web',
        createdAt: 't0',
        updatedAt: 't0',
        state: { failures: 1, handoff: { ticketId: 'keep', reason: 'complaint', priority: 'high' } },
      })
      await s.recordTurn(
        { sessionId: 'turn-kept', channel: 'api', createdAt: 't0', updatedAt: 't0', state: { failures: 2 } },
        [{ at: 't0', role: 'patient', text: '你好' }],
      )
      const again = await reopen(s)
      try {
        expect(await again.tickets.get('keep')).toMatchObject({ priority: 'high' })
        expect((await again.transcripts.list('keep-session'))[0]?.text).toBe('我要投诉')
        expect((await again.sessions.get('keep-session'))?.state.handoff?.ticketId).toBe('keep')
        expect((await again.sessions.get('turn-kept'))?.state.failures).toBe(2)
        expect((await again.transcripts.list('turn-kept'))[0]?.text).toBe('你好')
        expect(await again.agents.byUsername('keeper')).toMatchObject({ role: 'admin' })
      } finally {
        await again.close()
      }
    })
  })
}
