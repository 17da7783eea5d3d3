import type { FastifyRequest } from 'fastify'
import { agentForToken } from '../../auth/accounts.js'
import { Errors } from '../../errors.js'
import type { Agent, Role } from '../../storage/types.js'

declare module 'fastify' {
  interface FastifyRequest {
    agent?: Agent
  }
}

export function bearerToken(req: FastifyRequest): string | undefined {
  const header = req.headers.authorization
  return header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined
}

/** An onRequest hook: the request must carry a valid token of one of `roles`. */
export function requireRole(...roles: Role[]) {
  return async (req: FastifyRequest) => {
    const token = bearerToken(req)
    const agent = token
      ? await agentForToken(req.server.stores.agents, token, req.server.clock().getTime())
      : undefined
    if (!agent) throw new Errors.Unauthorized()
    if (!roles.includes(agent.role)) throw new Errors.Forbidden(`this needs the ${roles.join(' or ')} role`)
    req.agent = agent
  }
}
