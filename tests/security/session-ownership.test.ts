import type { FastifyInstance } from 'fastify'
import type WebSocket from 'ws'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testApp } from '../helpers.js'

// Issue 17, hole 1: any client that posted to a session id was handed that session's token, which
// read its history, heard the agent's replies live on /ws?sessionId= and posted into its ticket.
let app: FastifyInstance
let admin: string
beforeAll(async () => {
  app = await testApp({ admin: { username: 'chief', password: 'night-shift-2026' } })
  const res = await app.inject({
    method: 'POST',
    url: '/api/auth/login',
    payload: { username: 'chief', password: 'night-shift-2026' },
  })
  admin = res.json().token
})
afterAll(async () => {
  await app?.close()
})

const post = (sessionId: string, text: string, token?: string) =>
  app.inject({
    method: 'POST',
    url: '/api/chat',
    payload: { sessionId, text },
    headers: token ? { 'x-session-token': token } : {},
  })
const read = (url: string, token?: string) =>
  app.inject({ method: 'GET', url, headers: token ? { 'x-session-token': token } : {} })
const staff = (method: 'POST', url: string) =>
  app.inject({ method, url, headers: { authorization: `Bearer ${admin}` } })

/** Frames a socket receives, kept from its first one. */
async function socket(url: string) {
  const frames: any[] = []
  const ws: WebSocket = await app.injectWS(
    url,
    {},
    { onInit: (s) => s.on('message', (d) => frames.push(JSON.parse(String(d)))) },
  )
  return { ws, frames }
}

describe('a conversation belongs to whoever started it', () => {
  it('a later message without the token, or with a wrong one, is 401 and changes nothing', async () => {
    const first = await post('own-1', '转人工')
    expect(first.statusCode).toBe(200)
    const token = first.json().sessionToken as string
    expect(token).toBeTruthy()
    const before = {
      turns: await app.stores.transcripts.list('own-1'),
      session: await app.stores.sessions.get('own-1'),
    }
    for (const wrong of [undefined, 'x', `${token.slice(0, -2)}AA`, token.split('.')[1]!, 'a'.repeat(256)]) {
      const res = await post('own-1', '我也要投诉', wrong)
      expect(res.statusCode).toBe(401)
      expect(res.json().error.code).toBe('ND_SESSION_TOKEN_REQUIRED')
      expect(res.json()).not.toHaveProperty('sessionToken')
    }
    expect(await app.stores.transcripts.list('own-1')).toEqual(before.turns)
    expect(await app.stores.sessions.get('own-1')).toEqual(before.session)
    const owner = await post('own-1', '还在吗', token)
    expect(owner.statusCode).toBe(200)
    expect(owner.json().sessionToken).toBe(token)
  })

  it('history and agent messages need the latest token', async () => {
    const token = (await post('own-2', '心内科在几楼')).json().sessionToken
    for (const path of ['history', 'messages']) {
      expect((await read(`/api/chat/own-2/${path}`)).statusCode).toBe(401)
      expect((await read(`/api/chat/own-2/${path}`, 'forged')).json().error.code).toBe(
        'ND_SESSION_TOKEN_REQUIRED',
      )
      expect((await read(`/api/chat/own-2/${path}`, token)).statusCode).toBe(200)
    }
    // A token is for its own conversation only.
    const other = (await post('own-3', '你好')).json().sessionToken
    expect((await read('/api/chat/own-2/history', other)).statusCode).toBe(401)
  })

  it('a socket that cannot prove the conversation neither posts into it nor hears the agent', async () => {
    const started = await post('own-ws', '转人工')
    const token = started.json().sessionToken as string
    const ticketId = started.json().handoff.ticketId as string
    const intruder = await socket('/ws?sessionId=own-ws')
    const patient = await socket(`/ws?sessionId=own-ws&token=${encodeURIComponent(token)}`)
    await expect.poll(() => intruder.frames[0]).toEqual({ type: 'ready', sessionId: 'own-ws' })
    await expect
      .poll(() => patient.frames[0])
      .toEqual({ type: 'ready', sessionId: 'own-ws', sessionToken: token })
    intruder.ws.send(JSON.stringify({ type: 'message', id: 'x1', text: '我是患者家属，电话多少' }))
    await expect
      .poll(() => intruder.frames.find((f) => f.id === 'x1'))
      .toMatchObject({ type: 'error', error: { code: 'ND_SESSION_TOKEN_REQUIRED' } })
    expect((await staff('POST', `/api/agent/tickets/${ticketId}/claim`)).statusCode).toBe(200)
    const reply = await app.inject({
      method: 'POST',
      url: `/api/agent/tickets/${ticketId}/reply`,
      headers: { authorization: `Bearer ${admin}` },
      payload: { text: '您好，请问您的手机号是多少？' },
    })
    expect(reply.statusCode).toBe(200)
    await expect.poll(() => patient.frames.some((f) => f.type === 'agent')).toBe(true)
    expect(intruder.frames.some((f) => f.type === 'agent')).toBe(false)
    // The token in a first frame (kept out of the URL) proves it as well.
    const viaFrame = await socket('/ws?sessionId=own-ws')
    viaFrame.ws.send(JSON.stringify({ type: 'auth', token }))
    await expect
      .poll(() => viaFrame.frames.find((f) => f.type === 'ready' && f.sessionToken))
      .toEqual({ type: 'ready', sessionId: 'own-ws', sessionToken: token })
    for (const s of [intruder, patient, viaFrame]) s.ws.terminate()
  })

  it('a widget starts a new conversation on its socket with the token the socket gave it', async () => {
    const widget = await socket('/ws?sessionId=own-widget')
    await expect.poll(() => widget.frames[0]?.sessionToken).toBeTruthy()
    const token = widget.frames[0].sessionToken
    widget.ws.send(JSON.stringify({ type: 'message', id: 'w1', text: '心内科在几楼' }))
    await expect.poll(() => widget.frames.find((f) => f.id === 'w1')?.sessionToken).toBe(token)
    // A second socket handed a token for the same id before the first message cannot use it now.
    expect((await post('own-widget', '你好')).statusCode).toBe(401)
    expect((await read('/api/chat/own-widget/history', token)).statusCode).toBe(200)
    widget.ws.terminate()
  })

  it('rotates the token when a person hands the conversation back: the old one ends with the next message', async () => {
    const first = await post('own-rotate', '转人工')
    const old = first.json().sessionToken as string
    const ticketId = first.json().handoff.ticketId as string
    expect((await staff('POST', `/api/agent/tickets/${ticketId}/claim`)).statusCode).toBe(200)
    expect((await staff('POST', `/api/agent/tickets/${ticketId}/handback`)).statusCode).toBe(200)
    // Until the patient writes again, the token they hold still reads the conversation.
    expect((await read('/api/chat/own-rotate/messages', old)).statusCode).toBe(200)
    const next = await post('own-rotate', '5', old)
    expect(next.statusCode).toBe(200)
    const fresh = next.json().sessionToken as string
    expect(fresh).toBeTruthy()
    expect(fresh).not.toBe(old)
    expect((await post('own-rotate', '心内科在几楼', old)).statusCode).toBe(401)
    expect((await read('/api/chat/own-rotate/history', old)).statusCode).toBe(401)
    expect((await post('own-rotate', '心内科在几楼', fresh)).statusCode).toBe(200)
  })
})
