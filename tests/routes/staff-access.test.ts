import type { FastifyInstance } from 'fastify'
import type WebSocket from 'ws'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.js'
import { chat, testClock, testConfig } from '../helpers.js'

// Issue 17: the console's socket outlived sign-out and expiry; an agent could transfer a ticket to
// an account that does not exist, and escalate or type on another agent's ticket; admins could not
// revoke tokens.
const clock = testClock('2026-11-24T01:00:00+08:00')
let app: FastifyInstance
let admin: string
const ids: Record<string, string> = {}

const login = async (username: string, password = 'night-shift-2026') =>
  app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password } })
const tokenOf = async (username: string) => (await login(username)).json().token as string
const call = (token: string, method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) =>
  app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload ? { payload } : {}) })

beforeAll(async () => {
  app = await buildApp(testConfig({ admin: { username: 'staff.admin', password: 'night-shift-2026' } }), {
    logger: false,
    clock,
  })
  await app.ready()
  admin = await tokenOf('staff.admin')
  for (const username of ['nurse.a', 'nurse.b', 'nurse.c', 'nurse.d']) {
    const made = await call(admin, 'POST', '/api/admin/agents', {
      username,
      password: 'night-shift-2026',
      role: 'agent',
    })
    ids[username] = made.json().id
  }
})
afterAll(async () => {
  await app?.close()
})

/** A console's socket, with the frames it received and how it closed. */
async function console_(token: string) {
  const frames: Array<{ type: string }> = []
  let closed: number | undefined
  const ws: WebSocket = await app.injectWS(
    `/ws/agent?token=${token}`,
    {},
    {
      onInit: (socket) => {
        socket.on('message', (data) => frames.push(JSON.parse(String(data))))
        socket.on('close', (code) => {
          closed = code
        })
      },
    },
  )
  await expect.poll(() => frames.map((f) => f.type)).toContain('ready')
  return {
    frames,
    /** Waits for the server to close it with `code`; the injected client then lets go of its end. */
    async closedWith(code: number) {
      await expect.poll(() => closed).toBe(code)
      ws.terminate()
    },
  }
}

describe("the console's socket lives no longer than its token", () => {
  it('closes when its token is signed out', async () => {
    const token = await tokenOf('nurse.a')
    const c = await console_(token)
    await call(token, 'POST', '/api/auth/logout')
    await c.closedWith(4401)
  })

  it('closes when its token expires, before it would pass on another patient', async () => {
    const token = await tokenOf('nurse.a')
    const c = await console_(token)
    clock.set('2026-11-24T13:00:01+08:00')
    await chat(app, 'after-expiry', '转人工')
    await c.closedWith(4401)
    expect(c.frames.map((f) => f.type)).toEqual(['ready'])
    // Every token of the test's start has expired with it: the admin signs in again.
    admin = await tokenOf('staff.admin')
  })

  it("closes when an admin revokes the account's tokens; the old token stops working", async () => {
    const token = await tokenOf('nurse.b')
    const c = await console_(token)
    const res = await call(admin, 'POST', `/api/admin/agents/${ids['nurse.b']}/revoke-tokens`)
    expect(res.json()).toEqual({ ok: true })
    await c.closedWith(4401)
    expect((await call(token, 'GET', '/api/agent/me')).statusCode).toBe(401)
    expect((await login('nurse.b')).statusCode).toBe(200)
    expect(
      (await call(await tokenOf('nurse.a'), 'POST', `/api/admin/agents/${ids['nurse.b']}/revoke-tokens`))
        .statusCode,
    ).toBe(403)
  })

  it('closes when the account is deactivated; it cannot sign in until activated again', async () => {
    const token = await tokenOf('nurse.c')
    const c = await console_(token)
    const off = await call(admin, 'PUT', `/api/admin/agents/${ids['nurse.c']}/active`, { active: false })
    expect(off.json()).toMatchObject({ username: 'nurse.c', deactivatedAt: clock().toISOString() })
    await c.closedWith(4401)
    expect((await call(token, 'GET', '/api/agent/me')).statusCode).toBe(401)
    expect((await login('nurse.c')).statusCode).toBe(401)
    const agents = (await call(admin, 'GET', '/api/agent/agents')).json().agents
    expect(agents.map((a: { username: string }) => a.username)).not.toContain('nurse.c')
    await call(admin, 'PUT', `/api/admin/agents/${ids['nurse.c']}/active`, { active: true })
    expect((await login('nurse.c')).statusCode).toBe(200)
  })
})

describe('agent permissions on tickets', () => {
  it('transfers only to an existing, active agent', async () => {
    const a = await tokenOf('nurse.a')
    const t = (await chat(app, 'transfer-target', '我要找人工客服')).handoff!.ticketId
    await call(a, 'POST', `/api/agent/tickets/${t}/claim`)
    const nobody = await call(a, 'POST', `/api/agent/tickets/${t}/transfer`, { toAgentId: 'no-such-agent' })
    expect(nobody.statusCode).toBe(422)
    expect(nobody.json().error.code).toBe('ND_AGENT_NOT_FOUND')
    await call(admin, 'PUT', `/api/admin/agents/${ids['nurse.d']}/active`, { active: false })
    const inactive = await call(a, 'POST', `/api/agent/tickets/${t}/transfer`, { toAgentId: ids['nurse.d'] })
    expect(inactive.statusCode).toBe(422)
    const ok = await call(a, 'POST', `/api/agent/tickets/${t}/transfer`, { toAgentId: ids['nurse.b'] })
    expect(ok.json()).toMatchObject({ status: 'assigned', assignee: ids['nurse.b'] })
  })

  it("lets only the ticket's agent, or an admin, escalate it or type on it", async () => {
    const [a, b] = [await tokenOf('nurse.a'), await tokenOf('nurse.b')]
    const t = (await chat(app, 'owned-ticket', '医生误诊了，耽误了我妈的病，我要投诉')).handoff!.ticketId
    expect((await call(a, 'POST', `/api/agent/tickets/${t}/claim`)).statusCode).toBe(200)
    for (const action of ['typing', 'escalate']) {
      const other = await call(b, 'POST', `/api/agent/tickets/${t}/${action}`)
      expect(other.statusCode, action).toBe(403)
      expect(other.json().error.code).toBe('ND_NOT_YOUR_TICKET')
    }
    expect((await call(a, 'POST', `/api/agent/tickets/${t}/typing`)).statusCode).toBe(200)
    expect((await call(admin, 'POST', `/api/agent/tickets/${t}/typing`)).statusCode).toBe(200)
    expect((await call(a, 'POST', `/api/agent/tickets/${t}/escalate`)).json().detail.escalatedTo).toBe(
      '医务处',
    )
  })
})
