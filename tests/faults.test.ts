import { setTimeout as delay } from 'node:timers/promises'
import { once } from 'node:events'
import type { ChildProcess } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { tempDir } from './helpers.js'
import { exited, freePort, postChat as ask, startServer } from './server-process.js'

const ADMIN = { NIGHTDESK_ADMIN_USERNAME: 'fault.admin', NIGHTDESK_ADMIN_PASSWORD: 'fault-admin-2026' }
const start = (dataDir: string, port: number): Promise<ChildProcess> =>
  startServer({ DATA_DIR: dataDir, ...ADMIN }, port)

describe('faults', () => {
  it('SIGTERM: requests already in flight are answered, then the process exits 0', async () => {
    const port = await freePort()
    const child = await start(tempDir('nd-term-'), port)
    const send = (i: number) =>
      fetch(`http://127.0.0.1:${port}/api/chat`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ sessionId: `term-${i}`, text: i % 4 ? '心内科在几楼' : '转人工' }),
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as { action?: string } }))
    const inFlight = Array.from({ length: 40 }, (_, i) => send(i))
    // Signal as soon as the server is answering, with the rest of the burst still in flight.
    await Promise.race(inFlight)
    child.kill('SIGTERM')
    const replies = await Promise.allSettled(inFlight)
    const answered = replies.filter(
      (r) =>
        r.status === 'fulfilled' &&
        r.value.status === 200 &&
        ['answer', 'handoff'].includes(r.value.body.action ?? ''),
    ).length
    // Arriving after shutdown began: refused at once (503, or the connection), for the load balancer to retry.
    const refused = replies.filter((r) => r.status === 'rejected' || r.value.status === 503).length
    // Every request the server accepted before the signal got its answer; none failed half-way.
    console.log(
      `SIGTERM with 40 requests in flight: ${answered} answered, ${refused} refused for a retry, ${40 - answered - refused} failed half-way`,
    )
    expect(answered + refused).toBe(40)
    expect(answered).toBeGreaterThan(0)
    expect(await exited(child)).toBe(0)
  })

  it("SIGTERM: a widget's last message is answered or clearly refused, never dropped, then its WebSocket closes with 1001", async () => {
    const port = await freePort()
    const child = await start(tempDir('nd-term-ws-'), port)
    const socket = new WebSocket(`ws://127.0.0.1:${port}/ws?sessionId=term-ws`)
    const frames: Array<{ type: string; id?: string; action?: string; error?: { code: string } }> = []
    socket.on('message', (d) => frames.push(JSON.parse(String(d))))
    await once(socket, 'open')
    await expect.poll(() => frames.some((f) => f.type === 'ready')).toBe(true)
    const closed = once(socket, 'close').then(([code]) => code as number)
    socket.send(JSON.stringify({ type: 'message', id: 'last', text: '做胃镜要空腹吗' }))
    child.kill('SIGTERM')
    expect(await closed).toBe(1001)
    // Read before the signal: answered. Read after it: refused with a code the widget shows and retries.
    const last = frames.filter((f) => f.id === 'last')
    expect(last).toHaveLength(1)
    expect(last[0]!.type === 'reply' ? last[0]!.action : last[0]!.error?.code).toMatch(
      /^(answer|ND_SHUTTING_DOWN)$/,
    )
    expect(await exited(child)).toBe(0)
  })

  it('kill -9 during a knowledge publish: after restart the old or the new version is live, never a broken one', async () => {
    const dataDir = tempDir('nd-publish-kill-')
    const port = await freePort()
    let child = await start(dataDir, port)
    const base = `http://127.0.0.1:${port}`
    const token = (
      (await (
        await fetch(`${base}/api/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: 'fault.admin', password: 'fault-admin-2026' }),
        })
      ).json()) as { token: string }
    ).token
    const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' }
    const places = (
      (await (await fetch(`${base}/api/admin/knowledge`, { headers: auth })).json()) as {
        draft: { source: { places: Array<Record<string, unknown>> } }
      }
    ).draft.source.places
    places.find((p) => p.id === 'cardiology')!.floor = 9
    expect(
      (
        await fetch(`${base}/api/admin/knowledge/draft/places`, {
          method: 'PUT',
          headers: auth,
          body: JSON.stringify({ value: places }),
        })
      ).status,
    ).toBe(200)
    const publishing = fetch(`${base}/api/admin/knowledge/publish`, {
      method: 'POST',
      headers: auth,
      body: '{}',
    }).catch(() => undefined)
    await delay(60)
    child.kill('SIGKILL')
    await exited(child)
    await publishing
    child = await start(dataDir, port)
    try {
      const reply = (await ask(port, 'after-kill', '心内科在几楼')).reply
      expect(reply.includes('2楼') || reply.includes('9楼')).toBe(true)
      expect((await fetch(`${base}/healthz`)).status).toBe(200)
    } finally {
      child.kill('SIGTERM')
      await exited(child)
    }
  })
})
