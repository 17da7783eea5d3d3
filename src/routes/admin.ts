import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { AccountError, createAccount } from '../auth/accounts.js'
import { Errors } from '../errors.js'
import { NewAgentBody } from '../schemas/agent.js'
import { loadReportData, nightResponse } from '../metrics/night-response.js'
import { dashboard, dashboardCsv } from '../metrics/dashboard.js'
import { Type } from '@sinclair/typebox'
import { requireRole } from './agent/auth-hook.js'

/** Admin-only: accounts for agents and other admins. */
const adminRoutes: FastifyPluginAsyncTypebox<{ timeZone: string }> = async (app, { timeZone }) => {
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
  app.get(
    '/api/admin/reports/night-response',
    {
      schema: {
        tags: ['admin'],
        summary:
          'Night response rate: share of night messages answered within the target time (default: last 24 h)',
        querystring: Type.Object({
          from: Type.Optional(Type.String({ format: 'date-time' })),
          to: Type.Optional(Type.String({ format: 'date-time' })),
        }),
      },
    },
    async (req) => {
      const to = req.query.to ? new Date(req.query.to) : app.clock()
      const from = req.query.from ? new Date(req.query.from) : new Date(to.getTime() - 24 * 3_600_000)
      return nightResponse(await loadReportData(app.stores), app.serviceLevels, { from, to }, timeZone)
    },
  )
  // A patient's data on request (PIPL): everything we hold about one conversation, or its deletion.
  const patient = { params: Type.Object({ sessionId: Type.String({ minLength: 1, maxLength: 128 }) }) }
  app.get(
    '/api/admin/patients/:sessionId/export',
    { schema: { tags: ['admin'], summary: 'All data held about one conversation', ...patient } },
    async (req) => {
      const { sessionId } = req.params
      const [session, transcript, tickets] = await Promise.all([
        app.stores.sessions.get(sessionId),
        app.stores.transcripts.list(sessionId),
        app.stores.tickets.list(),
      ])
      await app.stores.knowledge.audit({
        at: app.clock().toISOString(),
        actor: req.agent!.username,
        action: 'patient-export',
        detail: { sessionId },
      })
      return {
        sessionId,
        session: session ?? null,
        transcript,
        tickets: tickets.filter((t) => t.sessionId === sessionId),
      }
    },
  )
  app.delete(
    '/api/admin/patients/:sessionId',
    {
      schema: {
        tags: ['admin'],
        summary: "Delete one conversation's data (its tickets keep only what statistics need)",
        ...patient,
      },
    },
    async (req) => {
      const result = await app.stores.privacy.forget(req.params.sessionId)
      await app.stores.knowledge.audit({
        at: app.clock().toISOString(),
        actor: req.agent!.username,
        action: 'patient-delete',
        detail: { sessionId: req.params.sessionId, ...result },
      })
      return result
    },
  )

  const rangeQuery = Type.Object({
    from: Type.Optional(Type.String({ format: 'date-time' })),
    to: Type.Optional(Type.String({ format: 'date-time' })),
  })
  const range = (q: { from?: string; to?: string }) => {
    const to = q.to ? new Date(q.to) : app.clock()
    return { from: q.from ? new Date(q.from) : new Date(to.getTime() - 24 * 3_600_000), to }
  }
  app.get(
    '/api/admin/dashboard',
    {
      schema: {
        tags: ['admin'],
        summary: 'Messages, intents, outcomes, night response rate, handoff times, satisfaction, complaints',
        querystring: rangeQuery,
      },
    },
    async (req) => dashboard(app.stores, app.serviceLevels, range(req.query), timeZone, app.clock()),
  )
  app.get(
    '/api/admin/dashboard.csv',
    { schema: { tags: ['admin'], querystring: rangeQuery } },
    async (req, reply) => {
      reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="nightdesk-dashboard.csv"')
      return dashboardCsv(
        await dashboard(app.stores, app.serviceLevels, range(req.query), timeZone, app.clock()),
      )
    },
  )
}

export default adminRoutes
