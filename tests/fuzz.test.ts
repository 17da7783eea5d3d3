import type { FastifyInstance } from 'fastify'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testApp } from './helpers.js'

let app: FastifyInstance
beforeAll(async () => {
  app = await testApp()
})
afterAll(async () => {
  await app?.close()
})

const deep = (depth: number): unknown => (depth === 0 ? 'x' : { a: [deep(depth - 1)] })
const weirdString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.string({ unit: 'grapheme', maxLength: 300 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    '\ud800',
    '\uffff',
    '心内科在几楼\u0007',
    '<script>alert(1)</script>',
    '%s%n',
    '{{hospital.phones.main}}',
    'x'.repeat(2001),
    '问'.repeat(5000),
  ),
)
const anyJson = fc.oneof(fc.jsonValue(), weirdString, fc.integer(), fc.constant(null), fc.constant(deep(200)))
const chatBody = fc.oneof(
  fc.record(
    {
      sessionId: fc.oneof(weirdString, anyJson),
      text: fc.oneof(weirdString, anyJson),
      channel: fc.oneof(fc.constantFrom('web', 'wechat', 'api', 'fax'), anyJson),
      now: fc.oneof(
        fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
        weirdString,
      ),
    },
    { requiredKeys: [] },
  ),
  anyJson,
)

describe('fuzzing the chat API and the WebSocket protocol', () => {
  it('answers thousands of random JSON bodies with 200 or a clear 4xx, never a 5xx', async () => {
    const statuses = new Map<number, number>()
    let fuzzed = 0
    await fc.assert(
      fc.asyncProperty(chatBody, async (body) => {
        fuzzed++
        const res = await app.inject({
          method: 'POST',
          url: '/api/chat',
          headers: { 'content-type': 'application/json' },
          payload: JSON.stringify(body) ?? 'null',
        })
        statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1)
        expect(res.statusCode).toBeLessThan(500)
        if (res.statusCode >= 400) {
          expect(res.json().error).toMatchObject({
            code: expect.stringMatching(/^ND_/),
            message: expect.any(String),
          })
        }
      }),
      { numRuns: 2500 },
    )
    console.log(
      `chat API: ${fuzzed} payloads fuzzed, statuses ${JSON.stringify(Object.fromEntries(statuses))}, 5xx seen: ${[...statuses].filter(([s]) => s >= 500).length}`,
    )
  }, 120_000)

  it('answers raw bytes, invalid UTF-8, wrong content types and oversized bodies with a 4xx', async () => {
    let fuzzed = 0
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 4096 }),
        fc.constantFrom(
          'application/json',
          'text/plain',
          'application/x-www-form-urlencoded',
          'multipart/form-data; boundary=x',
          'application/json; charset=gbk',
          '',
        ),
        async (bytes, type) => {
          fuzzed++
          const res = await app.inject({
            method: 'POST',
            url: '/api/chat',
            headers: type ? { 'content-type': type } : {},
            payload: Buffer.from(bytes),
          })
          expect(res.statusCode).toBeGreaterThanOrEqual(400)
          expect(res.statusCode).toBeLessThan(500)
        },
      ),
      { numRuns: 1500 },
    )
    const big = await app.inject({
      method: 'POST',
      url: '/api/chat',
      headers: { 'content-type': 'application/json' },
      payload: Buffer.alloc(2 * 1024 * 1024, 0x41),
    })
    expect(big.statusCode).toBe(413)
    console.log(`chat API: ${fuzzed + 1} raw payloads fuzzed, 5xx seen: 0`)
  }, 120_000)

  it('keeps a WebSocket open and answers every random frame with a reply or an error', async () => {
    let frames = 0
    const inbox: unknown[] = []
    const ws = await app.injectWS(
      '/ws?sessionId=fuzz-ws',
      {},
      { onInit: (s) => s.on('message', (d) => inbox.push(JSON.parse(String(d)))) },
    )
    await expect.poll(() => inbox.length).toBe(1)
    // Frames up to the 16 KiB limit: the connection must stay open (over it, see the next test).
    const frame = fc
      .oneof(
        chatBody.map((b) => JSON.stringify(b) ?? 'null'),
        fc.record({ type: fc.constant('message'), text: weirdString }).map((b) => JSON.stringify(b)),
        weirdString,
      )
      .filter((f) => Buffer.byteLength(f) <= 16 * 1024)
    await fc.assert(
      fc.asyncProperty(frame, async (frame) => {
        frames++
        const before = inbox.length
        ws.send(frame)
        await expect.poll(() => inbox.length, { timeout: 5000, interval: 2 }).toBeGreaterThan(before)
        const last = inbox.at(-1) as { type: string; error?: { code: string } }
        expect(['reply', 'error', 'pong']).toContain(last.type)
        if (last.type === 'error') expect(last.error?.code).toMatch(/^ND_/)
      }),
      { numRuns: 600 },
    )
    expect(ws.readyState).toBe(ws.OPEN)
    ws.terminate()
    console.log(`WebSocket: ${frames} frames fuzzed, connection still open, no server error`)
  }, 120_000)

  it('closes a WebSocket that sends a frame over 16 KiB with 1009 (message too big), and the server goes on', async () => {
    const ws = await app.injectWS('/ws?sessionId=fuzz-big')
    const code = new Promise<number>((resolve) => ws.on('close', (c) => resolve(c)))
    ws.send('x'.repeat(17 * 1024))
    expect(await code).toBe(1009)
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200)
  })
})
