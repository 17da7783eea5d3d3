import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { FastifyRequest } from 'fastify'
import { Errors } from '../errors.js'
import { Handoff } from '../schemas/chat.js'
import { TranscriptEntry } from '../schemas/tickets.js'

/**
 * The conversation's latest token (from a chat reply or the WebSocket), in a header or the query.
 * A conversation not stored yet is read, empty, with a token this server gave out for its id.
 */
async function requireSessionToken(
  req: FastifyRequest<{ Params: { sessionId: string }; Querystring: { token?: string } }>,
) {
  const token = (req.headers['x-session-token'] as string | undefined) ?? req.query.token
  const { sessionId } = req.params
  const record = await req.server.stores.sessions.get(sessionId)
  const tokens = req.server.sessionTokens
  const proved = record
    ? tokens.proves(sessionId, record.owner, token)
    : tokens.nonceOf(sessionId, token) !== undefined
  if (!proved) throw new Errors.SessionTokenRequired()
  return record
}

/**
 * For patients on the HTTP API (no WebSocket): messages from a person since a given time, so a
 * client can poll for the agent's reply. Added to the contract, nothing in it changed.
 */
const patientRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/api/chat/:sessionId/messages',
    {
      schema: {
        tags: ['chat'],
        summary: 'Messages from agents (and handoff notices) in this conversation, after `after`',
        params: Type.Object({ sessionId: Type.String({ minLength: 1, maxLength: 128 }) }),
        querystring: Type.Object({
          after: Type.Optional(Type.String({ format: 'date-time' })),
          token: Type.Optional(Type.String()),
        }),
        response: {
          200: Type.Object({ messages: Type.Array(Type.Pick(TranscriptEntry, ['role', 'text', 'at'])) }),
        },
      },
    },
    async (req) => {
      await requireSessionToken(req)
      const after = req.query.after ? Date.parse(req.query.after) : 0
      const entries = await app.stores.transcripts.list(req.params.sessionId)
      return {
        messages: entries
          .filter((e) => (e.role === 'agent' || e.role === 'system') && Date.parse(e.at) > after)
          .map((e) => ({ role: e.role, text: e.text, at: e.at })),
      }
    },
  )

  app.get(
    '/api/chat/:sessionId/history',
    {
      schema: {
        tags: ['chat'],
        summary: 'The conversation so far (the widget restores it after a reload)',
        params: Type.Object({ sessionId: Type.String({ minLength: 1, maxLength: 128 }) }),
        querystring: Type.Object({ token: Type.Optional(Type.String()) }),
        response: {
          200: Type.Object({
            messages: Type.Array(Type.Pick(TranscriptEntry, ['role', 'text', 'at', 'action'])),
            handoff: Type.Union([Handoff, Type.Null()]),
          }),
        },
      },
    },
    async (req) => {
      const session = await requireSessionToken(req)
      const entries = await app.stores.transcripts.list(req.params.sessionId)
      return {
        messages: entries
          .slice(-200)
          .map((e) => ({ role: e.role, text: e.text, at: e.at, ...(e.action ? { action: e.action } : {}) })),
        handoff: session?.state.handoff ?? null,
      }
    },
  )
}

export default patientRoutes
