import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { AccountError, createAccount } from '../auth/accounts.js'
import { Errors } from '../errors.js'
import { NewAgentBody } from '../schemas/agent.js'
import { requireRole } from './agent/auth-hook.js'

/** Admin-only: accounts for agents and other admins. */
const adminRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', requireRole('admin'))
  app.post('/api/admin/agents', { schema: { tags: ['admin'], body: NewAgentBody } }, async (req, reply) => {
    try {
      reply.status(201)
      return await createAccount(app.stores.agents, req.body)
    } catch (err) {
      if (err instanceof AccountError) throw new Errors.AccountInvalid(err.message)
      throw err
    }
  })
}

export default adminRoutes
