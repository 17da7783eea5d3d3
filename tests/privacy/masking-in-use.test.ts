import { Writable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.js'
import { loggerOptions } from '../../src/logger.js'
import { signIn, testConfig } from '../helpers.js'

// The one masking module where personal data is shown or written today: the admins' unanswered
// list and the log (issue 17: these showed unmasked there, and failed sign-ins and 404s logged the
// username and the URL as they came).
const lines: string[] = []
let app: FastifyInstance
let auth: { authorization: string }

beforeAll(async () => {
  const sink = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk))
      cb()
    },
  })
  app = await buildApp(testConfig({ admin: { username: 'mask.admin', password: 'masking-2026' } }), {
    logger: { ...(loggerOptions('info') as object), stream: sink },
  })
  await app.ready()
  auth = await signIn(app, 'mask.admin', 'masking-2026')
})
afterAll(async () => {
  await app?.close()
})

const PERSONAL = [
  ['医院食堂几点开饭，我是王小明，电话＋８６ １３８ ００１３ ８０００', ['小明', '0013', '００１３']],
  ['食堂在哪里吃饭，身份证 110101 19900307 451X 能进吗', ['19900307']],
  ['能帮我收快递吗 我住在朝阳区建国路88号幸福小区3栋2单元501室', ['建国路', '幸福小区', '501']],
  ['食堂的菜单发邮箱 zhang.san@example.com 可以吗', ['zhang.san']],
  ['食堂几点开 0086-13900001111', ['0000', '1111'.padStart(8, '9')]],
] as const

describe('masking where personal data shows', () => {
  it("masks every kind in the admins' list of unanswered questions", async () => {
    // Written as the bot records an unanswered turn, so the test does not hang on what the NLU answers.
    const at = app.clock().toISOString()
    for (const [i, [text]] of PERSONAL.entries()) {
      await app.stores.transcripts.append(`mask-${i}`, [
        { at, role: 'patient', text },
        { at, role: 'bot', text: '抱歉，这个问题我还不会回答。', action: 'fallback', intent: null },
      ])
    }
    const res = await app.inject({ method: 'GET', url: '/api/admin/unanswered', headers: auth })
    expect(res.json().groups.length).toBeGreaterThan(0)
    const shown = JSON.stringify(res.json())
    for (const [, secrets] of PERSONAL) for (const s of secrets) expect(shown).not.toContain(s)
    expect(shown).toContain('王**')
    expect(shown).toContain('138****8000')
  })

  it('logs a failed sign-in without the username and an unknown URL without its data', async () => {
    await app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { username: 'chief.nurse', password: 'not-the-password-1' },
    })
    await app.inject({ method: 'GET', url: '/api/chat/13812345678/nothing?token=very-secret-token' })
    const log = lines.join('')
    expect(log).toContain('sign-in failed')
    expect(log).not.toContain('chief.nurse')
    expect(log).toContain('"username":"ch***"')
    expect(log).not.toContain('13812345678')
    expect(log).not.toContain('very-secret-token')
    expect(log).toContain('/api/chat/138****5678/nothing?token=*')
  })
})
