import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { AUTH_TOPIC, signIn, type AuthEvent } from '../auth/accounts.js'
import { hashToken } from '../auth/passwords.js'
import { Errors } from '../errors.js'
import { isStorageOutage } from '../storage/errors.js'
import { maskUsername } from '../privacy/mask.js'
import { LoginBody, PublicAgent } from '../schemas/agent.js'
import { Ok } from '../schemas/tickets.js'
import { Type } from '@sinclair/typebox'
import { bearerToken } from './agent/auth-hook.js'
import type { LockoutPolicy } from '../storage/types.js'

/**
 * Guessing passwords (issue 17): 10 wrong passwords for one username from one address within 15
 * minutes lock that username at that address for 15 minutes; the owner signs in from any other
 * address meanwhile, and admins see and lift lockouts. An address trying many usernames is held to
 * 30 attempts a minute. There is no count per username alone: it let anyone lock an account's owner
 * out from everywhere; a guess from many addresses meets scrypt and the password rules instead.
 */
export const LOCKOUT: LockoutPolicy = { max: 10, windowMs: 15 * 60_000, lockMs: 15 * 60_000 }
const ATTEMPTS_PER_ADDRESS_PER_MINUTE = 30

/** Sign in and out for agents and admins; tokens expire after a night shift. */
const authRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const Session = Type.Object({ token: Type.String(), expiresAt: Type.String(), agent: PublicAgent })
  app.post(
    '/api/auth/login',
    { schema: { tags: ['auth'], body: LoginBody, response: { 200: Session } } },
    async (req) => {
      const { username, password } = req.body
      const wait = await app.stores.rates.hit(`sign-in:ip:${req.ip}`, ATTEMPTS_PER_ADDRESS_PER_MINUTE, 60_000)
      if (wait) throw new Errors.RateLimited(`${Math.ceil(wait / 1000)} seconds`)
      const now = app.clock().getTime()
      // Locked: refused without looking at the password, so a locked pair tells a guesser nothing.
      const locked = await app.stores.signIns.lockedUntil(username, req.ip, now)
      if (locked) throw new Errors.SignInLocked(Math.ceil((locked - now) / 60_000))
      const result = await signIn(app.stores.agents, username, password, now).catch(async (err: Error) => {
        // Storage cannot tell whether the password was right: the attempt counts as a wrong one, so
        // guessing is held back during an outage too (on this instance, until Redis is back).
        if (isStorageOutage(err)) await app.stores.signIns.fail(username, req.ip, now, LOCKOUT)
        throw err
      })
      if (!result) {
        const until = await app.stores.signIns.fail(username, req.ip, now, LOCKOUT)
        req.log.info({ username: maskUsername(username), locked: !!until }, 'sign-in failed')
        throw new Errors.BadCredentials()
      }
      await app.stores.signIns.clear(username, req.ip)
      await app.stores.agents.setPresence(result.agent.id, 'online', app.clock().toISOString())
      return result
    },
  )
  app.post('/api/auth/logout', { schema: { tags: ['auth'], response: { 200: Ok } } }, async (req) => {
    const token = bearerToken(req)
    if (token) {
      const tokenHash = hashToken(token)
      await app.stores.agents.revokeToken(tokenHash)
      // Consoles opened with this token close too, on whichever instance they are.
      await app.stores.events.publish(AUTH_TOPIC, { type: 'revoked', tokenHash } satisfies AuthEvent)
    }
    return { ok: true }
  })
}

export default authRoutes
