import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.js'
import { LOCKOUT } from '../../src/routes/auth.js'
import { testClock, testConfig } from '../helpers.js'

// Issue 17: 10 wrong passwords locked the account's owner out from every address. Now failures count
// per username and address together, and admins see and lift lockouts.
const clock = testClock('2026-11-24T01:00:00+08:00')
let app: FastifyInstance
let admin: { authorization: string }

const login = (username: string, password: string, from: string) =>
  app.inject({ method: 'POST', url: '/api/auth/login', remoteAddress: from, payload: { username, password } })

beforeAll(async () => {
  app = await buildApp(testConfig({ admin: { username: 'lock.admin', password: 'lockouts-2026' } }), {
    logger: false,
    clock,
  })
  await app.ready()
  admin = { authorization: `Bearer ${(await login('lock.admin', 'lockouts-2026', '10.1.0.1')).json().token}` }
  for (const username of ['nurse.li', 'nurse.zhao']) {
    const made = await app.inject({
      method: 'POST',
      url: '/api/admin/agents',
      headers: admin,
      payload: { username, password: 'night-shift-2026', role: 'agent' },
    })
    expect(made.statusCode).toBe(201)
  }
})
afterAll(async () => {
  await app?.close()
})

const guess = async (username: string, from: string, times = LOCKOUT.max) => {
  const statuses: number[] = []
  for (let i = 0; i < times; i++) statuses.push((await login(username, `wrong-guess-${i}`, from)).statusCode)
  return statuses
}

describe('sign-in lockouts', () => {
  it('locks a username at the guessing address only; its owner signs in from another', async () => {
    expect(await guess('nurse.li', '10.0.0.66')).toEqual(Array(LOCKOUT.max).fill(401))
    const locked = await login('nurse.li', 'night-shift-2026', '10.0.0.66')
    expect(locked.statusCode).toBe(429)
    expect(locked.json().error).toEqual({
      code: 'ND_SIGN_IN_LOCKED',
      message: expect.stringContaining('已暂停登录 15 分钟'),
    })
    expect((await login('nurse.li', 'night-shift-2026', '10.0.0.7')).statusCode).toBe(200)
  })

  it('shows lockouts to admins only, and an admin lifts one (audited)', async () => {
    const list = await app.inject({ method: 'GET', url: '/api/admin/lockouts', headers: admin })
    expect(list.json()).toEqual({
      lockouts: [{ username: 'nurse.li', ip: '10.0.0.66', until: '2026-11-23T17:15:00.000Z' }],
    })
    const agent = {
      authorization: `Bearer ${(await login('nurse.zhao', 'night-shift-2026', '10.0.0.8')).json().token}`,
    }
    expect((await app.inject({ method: 'GET', url: '/api/admin/lockouts', headers: agent })).statusCode).toBe(
      403,
    )

    const lift = await app.inject({
      method: 'POST',
      url: '/api/admin/lockouts/lift',
      headers: admin,
      payload: { username: 'nurse.li', ip: '10.0.0.66' },
    })
    expect(lift.json()).toEqual({ lifted: 1 })
    expect((await login('nurse.li', 'night-shift-2026', '10.0.0.66')).statusCode).toBe(200)
    expect((await app.inject({ method: 'GET', url: '/api/admin/lockouts', headers: admin })).json()).toEqual({
      lockouts: [],
    })
    const audit = (await app.inject({ method: 'GET', url: '/api/admin/audit', headers: admin })).json()
    expect(audit.entries[0]).toMatchObject({
      actor: 'lock.admin',
      action: 'lockout-lift',
      detail: { username: 'nurse.li', ip: '10.0.0.66', lifted: 1 },
    })
  })

  it('ends a lockout after its time on the app clock', async () => {
    await guess('nurse.zhao', '10.0.0.99')
    expect((await login('nurse.zhao', 'night-shift-2026', '10.0.0.99')).statusCode).toBe(429)
    clock.set('2026-11-24T01:16:00+08:00')
    expect((await login('nurse.zhao', 'night-shift-2026', '10.0.0.99')).statusCode).toBe(200)
  })
})
