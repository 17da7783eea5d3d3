import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testApp } from '../helpers.js'

interface Operation {
  responses?: Record<string, { content?: Record<string, { schema?: object }> }>
}

// Every JSON route declares what it answers: its TypeBox schema serialises the reply (fields not in
// it are not sent) and is what /openapi.json tells API clients.
describe('response schemas', () => {
  let app: FastifyInstance
  beforeAll(async () => {
    app = await testApp()
  })
  afterAll(() => app.close())

  it('are declared for the success codes of every route the OpenAPI document lists', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
      paths: Record<string, Record<string, Operation>>
    }
    const operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({ route: `${method.toUpperCase()} ${path}`, op })),
    )
    // The patients', agents' and admins' APIs are all in it.
    expect(operations.map((o) => o.route)).toEqual(
      expect.arrayContaining(['POST /api/chat', 'GET /api/agent/queue', 'GET /api/admin/dashboard']),
    )
    const undeclared = operations
      .filter(({ op }) => {
        const success = Object.entries(op.responses ?? {}).filter(([code]) => code.startsWith('2'))
        return (
          !success.length || success.some(([, r]) => !Object.values(r.content ?? {}).some((c) => c.schema))
        )
      })
      .map((o) => o.route)
    expect(undeclared).toEqual([])
  })
})
