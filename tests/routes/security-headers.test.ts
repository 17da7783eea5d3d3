import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testApp } from '../helpers.js'

let app: FastifyInstance
let open: FastifyInstance
beforeAll(async () => {
  app = await testApp({ widgetOrigins: ['https://www.minghu-hospital.example'] })
  open = await testApp()
})
afterAll(async () => {
  await app?.close()
  await open?.close()
})

describe('security headers', () => {
  it.each(['/', '/console', '/admin', '/admin/dashboard', '/healthz'])(
    '%s has a strict CSP with no inline script and the usual headers',
    async (url) => {
      const res = await app.inject({ method: 'GET', url })
      const csp = String(res.headers['content-security-policy'])
      expect(csp).toContain("script-src 'self'")
      expect(csp).not.toContain('unsafe-inline')
      expect(csp).toContain("frame-ancestors 'none'")
      expect(res.headers['x-content-type-options']).toBe('nosniff')
      expect(res.headers['strict-transport-security']).toBeDefined()
    },
  )

  it('our pages really have no inline script', async () => {
    for (const url of ['/', '/console', '/admin', '/admin/dashboard']) {
      const html = (await app.inject({ method: 'GET', url })).body
      expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/)
      expect(html).not.toMatch(/\son[a-z]+=/)
    }
  })
})

describe('widget origins (CORS)', () => {
  const preflight = (a: FastifyInstance, origin: string) =>
    a.inject({
      method: 'OPTIONS',
      url: '/api/chat',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    })

  it('allows the configured hospital site and no other', async () => {
    expect(
      (await preflight(app, 'https://www.minghu-hospital.example')).headers['access-control-allow-origin'],
    ).toBe('https://www.minghu-hospital.example')
    expect(
      (await preflight(app, 'https://evil.example')).headers['access-control-allow-origin'],
    ).toBeUndefined()
  })

  it('allows any site when none is configured, without credentials', async () => {
    const res = await preflight(open, 'https://any.example')
    expect(res.headers['access-control-allow-origin']).toBe('https://any.example')
    expect(res.headers['access-control-allow-credentials']).toBeUndefined()
  })
})
