import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'

const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  // Registered after the classifier is trained, so "ok" means the bot can answer.
  app.get('/healthz', {
    schema: { tags: ['ops'], summary: 'Liveness and readiness', response: { 200: Type.Object({ status: Type.Literal('ok'), storage: Type.String() }) } },
  }, async () => ({ status: 'ok' as const, storage: app.stores.kind }))
}

export default healthRoutes
