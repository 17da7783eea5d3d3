import type { FastifyInstance } from 'fastify'
import type WebSocket from 'ws'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testApp } from '../helpers.js'

let app: FastifyInstance
beforeAll(async () => {
  app = await testApp()
})
afterAll(async () => {
  await app?.close()
})

/** Opens /ws with a listener attached before the server's first frame. */
async function connect(url: string) {
  let next!: () => Promise<any>
  const ws = await app.injectWS(
    url,
    {},
    {
      onInit: (socket) => {
        next = inbox(socket)
      },
    },
  )
  return { ws, next }
}

/** Frames the server sends, in order, awaited one at a time. */
function inbox(ws: WebSocket) {
  const frames: unknown[] = []
  const waiters: Array<(f: unknown) => void> = []
  ws.on('message', (data) => {
    const frame = JSON.parse(String(data))
    const w = waiters.shift()
    if (w) w(frame)
    else frames.push(frame)
  })
  return () =>
    new Promise<any>((resolve) => {
      const f = frames.shift()
      if (f) resolve(f)
      else waiters.push(resolve)
    })
}

describe('WebSocket chat (/ws)', () => {
  it('greets with the session id and answers like the HTTP API', async () => {
    const { ws, next } = await connect('/ws?sessionId=ws-test-1')
    expect(await next()).toEqual({ type: 'ready', sessionId: 'ws-test-1', sessionToken: expect.any(String) })
    ws.send(JSON.stringify({ type: 'message', id: 'a1', text: '心内科在几楼' }))
    const reply = await next()
    expect(reply).toMatchObject({ type: 'reply', id: 'a1', action: 'answer', intent: 'place_location' })
    expect(reply.reply).toContain('2楼')
    ws.send(JSON.stringify({ type: 'message', id: 'a2', text: '那骨科呢' }))
    expect((await next()).reply).toContain('3楼')
    expect((await app.stores.transcripts.list('ws-test-1')).length).toBe(4)
    ws.terminate()
  })

  it('hands an emergency off at once', async () => {
    const { ws, next } = await connect('/ws?sessionId=ws-er')
    await next()
    ws.send(JSON.stringify({ type: 'message', text: '我妈晕倒了叫不醒' }))
    const reply = await next()
    expect(reply.handoff).toMatchObject({ reason: 'emergency', priority: 'urgent' })
    expect(reply.reply).toContain('120')
    ws.terminate()
  })

  it('answers bad frames with an error and keeps the connection', async () => {
    const { ws, next } = await connect('/ws')
    const ready = await next()
    expect(ready.sessionId).toMatch(/^[0-9a-f-]{36}$/)
    ws.send('not json')
    expect((await next()).error.code).toBe('ND_INVALID_JSON')
    ws.send(JSON.stringify({ type: 'message', text: 'x'.repeat(2001) }))
    expect((await next()).error.code).toBe('ND_INVALID_REQUEST')
    ws.send(JSON.stringify({ type: 'message', id: 'e', text: '   ' }))
    expect(await next()).toMatchObject({ type: 'error', id: 'e', error: { code: 'ND_EMPTY_TEXT' } })
    ws.send(JSON.stringify({ type: 'ping' }))
    expect(await next()).toEqual({ type: 'pong' })
    ws.terminate()
  })
})
