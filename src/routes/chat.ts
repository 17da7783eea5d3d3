import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Errors } from '../errors.js'
import { ChatRequest, ChatResponse, ErrorResponse, SessionTokenHeaders } from '../schemas/chat.js'
import { publicClient, type ClientCaps } from './public-client.js'
import { sessionWait } from './session-limit.js'

/** The patients' chat API (../shared/api-contract.md): stable; fields are added, never renamed. */
const chatRoutes: FastifyPluginAsyncTypebox<{ perSession?: number; caps?: ClientCaps }> = async (
  app,
  { perSession, caps },
) => {
  app.post(
    '/api/chat',
    {
      schema: {
        summary: "Send a patient message and get the bot's reply",
        tags: ['chat'],
        body: ChatRequest,
        headers: SessionTokenHeaders,
        response: {
          200: ChatResponse,
          400: ErrorResponse,
          401: ErrorResponse,
          413: ErrorResponse,
          429: ErrorResponse,
        },
      },
    },
    async (req) => {
      const { sessionId, text, now } = req.body
      const channel = String(req.body.channel ?? 'api')
      if (!text.trim()) throw new Errors.EmptyText()
      const wait = perSession ? await sessionWait(app.stores, sessionId, perSession) : 0
      if (wait) throw new Errors.RateLimited(`${Math.ceil(wait / 1000)} seconds`)
      const result = await app.bot.handleMessage({
        sessionId,
        text,
        channel,
        ...(now ? { now: new Date(now) } : {}),
        ...(req.body.lang ? { lang: req.body.lang } : {}),
        client: publicClient(app, req.ip, req.headers['x-session-token'], caps),
      })
      // Every turn is in the transcript with its action and intent (and the dashboard counts them): at
      // info level a line per message would repeat it, at ~5% of a request's CPU.
      req.log.debug(
        { action: result.action, intent: result.intent, handoff: result.handoff?.reason },
        'chat reply',
      )
      return result
    },
  )
}

export default chatRoutes
