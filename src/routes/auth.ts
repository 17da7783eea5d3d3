import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { signIn } from '../auth/accounts.js'
import { hashToken } from '../auth/passwords.js'
import { Errors } from '../errors.js'
import { maskUsername } from '../privacy/mask.js'
import { LoginBody } from '../schemas/agent.js'
import { bearerToken } from './agent/auth-hook.js'

const SIGN_INS_PER_MINUTE = 10

/** Sign in and out for agents and admins; tokens expire after a night shift. */
const authRoutes: FastifyPluginAsyncTypebox = async (app) => {
  // Guessing passwords: 10 attempts a minute per address and per username, counted by the storage so
  // several instances share the count.
  const attempt = (key: string) => app.stores.rates.hit(key, SIGN_INS_PER_MINUTE, 60_000)
  app.post('/api/auth/login', { schema: { tags: ['auth'], body: LoginBody } }, async (req) => {
    const wait =
      (await attempt(`sign-in:ip:${req.ip}`)) || (await attempt(`sign-in:user:${req.body.username}`))
    if (wait) throw new Errors.RateLimited(`${Math.ceil(wait / 1000)} seconds`)
    const result = await signIn(
      app.stores.agents,
      req.body.username,
      req.body.password,
      app.clock().getTime(),
    )
    if (!result) {
      req.log.info({ username: maskUsername(req.body.username) }, 'sign-in failed')
      throw new Errors.BadCredentials()
    }
    await app.stores.agents.setPresence(result.agent.id, 'online', app.clock().toISOString())
    return result
  })
  app.post('/api/auth/logout', { schema: { tags: ['auth'] } }, async (req) => {
    const token = bearerToken(req)
    if (token) await app.stores.agents.revokeToken(hashToken(token))
    return { ok: true }
  })
}

export default authRoutes
