import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'

const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  // Registered after the base language is trained, so "ok" means the bot can answer; `languages`
  // lists those trained so far (the others train in the background, or on their first message).
  app.get(
    '/healthz',
    {
      schema: {
        tags: ['ops'],
        summary: 'Liveness and readiness',
        response: {
          200: Type.Object({
            status: Type.Literal('ok'),
            storage: Type.String(),
            languages: Type.Array(Type.String()),
          }),
        },
      },
    },
    async () => ({ status: 'ok' as const, storage: app.stores.kind, languages: app.brain().trained() }),
  )
}

export default healthRoutes
