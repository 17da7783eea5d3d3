import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { AUTH_TOPIC, createAccount, publicAgent, revokeAllTokens, type AuthEvent } from '../auth/accounts.js'
import { Errors } from '../errors.js'
import { NewAgentBody, PublicAgent } from '../schemas/agent.js'
import { loadReportData, nightResponse } from '../metrics/night-response.js'
import { dashboard, dashboardCsv } from '../metrics/dashboard.js'
import { Type } from '@sinclair/typebox'
import { CsvFile, Dashboard, Forgotten, NightResponse, PatientExport } from '../schemas/admin.js'
import { Ok } from '../schemas/tickets.js'
import { requireRole } from './agent/auth-hook.js'

/** Admin-only: accounts for agents and other admins. */
const adminRoutes: FastifyPluginAsyncTypebox<{ timeZone: string }> = async (app, { timeZone }) => {
  app.addHook('onRequest', requireRole('admin'))
  app.post(
    '/api/admin/agents',
    { schema: { tags: ['admin'], body: NewAgentBody, response: { 201: PublicAgent } } },
    async (req, reply) => {
      reply.status(201)
      return createAccount(app.stores.agents, req.body)
    },
  )
  // Every token of an account stops working, and its open consoles close, on every instance.
  const AgentParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) })
  const revoke = async (agentId: string) =>
    app.stores.events.publish(AUTH_TOPIC, { type: 'revoked', agentId } satisfies AuthEvent)
  const account = async (id: string) => {
    const agent = await app.stores.agents.get(id)
    if (!agent) throw new Errors.NotFound(`没有编号为 ${id} 的账号`)
    return agent
  }
  const audit = (actor: string, action: string, detail: Record<string, unknown>) =>
    app.stores.knowledge.audit({ at: app.clock().toISOString(), actor, action, detail })
  app.post(
    '/api/admin/agents/:id/revoke-tokens',
    {
      schema: {
        tags: ['admin'],
        summary: 'Sign an account out everywhere: all its tokens stop working and its consoles close',
        params: AgentParams,
        response: { 200: Ok },
      },
    },
    async (req) => {
      const agent = await revokeAllTokens(app.stores.agents, await account(req.params.id))
      await revoke(agent.id)
      await audit(req.agent!.username, 'revoke-tokens', { agentId: agent.id, username: agent.username })
      return { ok: true }
    },
  )
  app.put(
    '/api/admin/agents/:id/active',
    {
      schema: {
        tags: ['admin'],
        summary:
          'Deactivate an account (it cannot sign in; its tokens and consoles end) or activate it again',
        params: AgentParams,
        body: Type.Object({ active: Type.Boolean() }, { additionalProperties: false }),
        response: { 200: PublicAgent },
      },
    },
    async (req) => {
      const current = await account(req.params.id)
      if (req.body.active) {
        const { deactivatedAt: _d, ...active } = current
        await app.stores.agents.update(active)
        await audit(req.agent!.username, 'activate', { agentId: current.id, username: current.username })
        return publicAgent(active)
      }
      if (current.id === req.agent!.id) throw new Errors.Forbidden('不能停用自己的账号，请让另一位管理员操作')
      const deactivated = await revokeAllTokens(app.stores.agents, {
        ...current,
        deactivatedAt: app.clock().toISOString(),
      })
      await revoke(deactivated.id)
      await app.stores.agents.setPresence(deactivated.id, 'offline', app.clock().toISOString())
      await audit(req.agent!.username, 'deactivate', { agentId: current.id, username: current.username })
      return publicAgent(deactivated)
    },
  )
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
        response: { 200: NightResponse },
      },
    },
    async (req) => {
      const to = req.query.to ? new Date(req.query.to) : app.clock()
      const from = req.query.from ? new Date(req.query.from) : new Date(to.getTime() - 24 * 3_600_000)
      return nightResponse(await loadReportData(app.stores), app.serviceLevels, { from, to }, timeZone)
    },
  )
  // Sign-in lockouts (username and address together): who is locked out where, until when; lifting
  // one is audited. A lockout of an unknown username is shown too: it is someone guessing.
  const Lockout = Type.Object({
    username: Type.String(),
    ip: Type.String(),
    until: Type.String({ format: 'date-time' }),
  })
  app.get(
    '/api/admin/lockouts',
    {
      schema: {
        tags: ['admin'],
        summary: 'Accounts locked for an address after too many wrong passwords from it',
        response: { 200: Type.Object({ lockouts: Type.Array(Lockout) }) },
      },
    },
    async () => ({ lockouts: await app.stores.signIns.lockouts(app.clock().getTime()) }),
  )
  app.post(
    '/api/admin/lockouts/lift',
    {
      schema: {
        tags: ['admin'],
        summary: "Lift an account's lockouts: from one address, or from every address when ip is left out",
        body: Type.Object({
          username: Type.String({ minLength: 1, maxLength: 128 }),
          ip: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
        }),
        response: { 200: Type.Object({ lifted: Type.Integer({ minimum: 0 }) }) },
      },
    },
    async (req) => {
      const lifted = await app.stores.signIns.lift(req.body.username, req.body.ip)
      await app.stores.knowledge.audit({
        at: app.clock().toISOString(),
        actor: req.agent!.username,
        action: 'lockout-lift',
        detail: { username: req.body.username, ...(req.body.ip ? { ip: req.body.ip } : {}), lifted },
      })
      return { lifted }
    },
  )
  // A patient's data on request (PIPL): everything we hold about one conversation, or its deletion.
  const patient = { params: Type.Object({ sessionId: Type.String({ minLength: 1, maxLength: 128 }) }) }
  app.get(
    '/api/admin/patients/:sessionId/export',
    {
      schema: {
        tags: ['admin'],
        summary: 'All data held about one conversation',
        ...patient,
        response: { 200: PatientExport },
      },
    },
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
        response: { 200: Forgotten },
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
        response: { 200: Dashboard },
      },
    },
    async (req) => dashboard(app.stores, app.serviceLevels, range(req.query), timeZone, app.clock()),
  )
  app.get(
    '/api/admin/dashboard.csv',
    { schema: { tags: ['admin'], querystring: rangeQuery, response: { 200: CsvFile } } },
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
