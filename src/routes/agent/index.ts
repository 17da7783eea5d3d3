import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { publicAgent } from '../../auth/accounts.js'
import { Errors } from '../../errors.js'
import { QUEUE_TOPIC } from '../../handoff/service.js'
import {
  CloseBody,
  PresenceBody,
  PublicAgent,
  ReplyBody,
  TicketParams,
  TransferBody,
} from '../../schemas/agent.js'
import { Ok, QueueItem, Ticket, TranscriptEntry } from '../../schemas/tickets.js'
import { AUTH_TOPIC, staffSession, type AuthEvent } from '../../auth/accounts.js'
import { requireRole } from './auth-hook.js'

/** The agents' API (agents and admins): the queue, tickets, replies into the patient's channel. */
const agentRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', requireRole('agent', 'admin'))
  const tags = ['agent']

  app.get('/api/agent/me', { schema: { tags, response: { 200: PublicAgent } } }, async (req) =>
    publicAgent(req.agent!),
  )
  app.get(
    '/api/agent/queue',
    {
      schema: {
        tags,
        summary: 'Open tickets, most urgent first, with their service-level clocks',
        response: { 200: Type.Object({ tickets: Type.Array(QueueItem) }) },
      },
    },
    async () => ({ tickets: await app.handoff.queue() }),
  )
  const TicketView = Type.Object({ ticket: QueueItem, transcript: Type.Array(TranscriptEntry) })
  app.get(
    '/api/agent/tickets/:id',
    { schema: { tags, params: TicketParams, response: { 200: TicketView } } },
    async (req) => {
      const view = await app.handoff.view(req.params.id)
      if (!view) throw new Errors.TicketNotFound(req.params.id)
      return view
    },
  )
  const moved = { 200: Ticket }
  app.post(
    '/api/agent/tickets/:id/claim',
    { schema: { tags, params: TicketParams, response: moved } },
    (req) => app.handoff.claim(req.params.id, req.agent!),
  )
  app.post(
    '/api/agent/tickets/:id/reply',
    { schema: { tags, params: TicketParams, body: ReplyBody, response: moved } },
    (req) => app.handoff.reply(req.params.id, req.agent!, req.body.text),
  )
  app.post(
    '/api/agent/tickets/:id/transfer',
    { schema: { tags, params: TicketParams, body: TransferBody, response: moved } },
    (req) => app.handoff.transfer(req.params.id, req.agent!, req.body.toAgentId),
  )
  app.post(
    '/api/agent/tickets/:id/escalate',
    {
      schema: {
        tags,
        params: TicketParams,
        summary: 'Report to the medical affairs office (医务处)',
        response: moved,
      },
    },
    (req) => app.handoff.escalate(req.params.id, req.agent!),
  )
  app.post(
    '/api/agent/tickets/:id/handback',
    { schema: { tags, params: TicketParams, response: moved } },
    (req) => app.handoff.handBack(req.params.id, req.agent!),
  )
  app.post(
    '/api/agent/tickets/:id/close',
    { schema: { tags, params: TicketParams, body: CloseBody, response: moved } },
    (req) => app.handoff.close(req.params.id, req.agent!, req.body.outcome),
  )
  app.post(
    '/api/agent/tickets/:id/typing',
    { schema: { tags, params: TicketParams, response: { 200: Ok } } },
    async (req) => {
      await app.handoff.typing(req.params.id, req.agent!)
      return { ok: true }
    },
  )
  const Presence = Type.Object({ presence: PresenceBody.properties.presence, at: Type.String() })
  app.put(
    '/api/agent/presence',
    { schema: { tags, body: PresenceBody, response: { 200: Presence } } },
    async (req) => {
      const at = app.clock().toISOString()
      await app.stores.agents.setPresence(req.agent!.id, req.body.presence, at)
      await app.stores.events.publish(QUEUE_TOPIC, {
        type: 'presence',
        agentId: req.agent!.id,
        presence: req.body.presence,
        at,
      })
      return { presence: req.body.presence, at }
    },
  )
  app.get(
    '/api/agent/agents',
    {
      schema: {
        tags,
        summary: 'Colleagues and whether they are on duty (transfer targets)',
        response: {
          200: Type.Object({
            agents: Type.Array(
              Type.Object({ ...PublicAgent.properties, presence: PresenceBody.properties.presence }),
            ),
          }),
        },
      },
    },
    async () => {
      const presence = await app.stores.agents.presence()
      return {
        // Deactivated accounts are no one to transfer to.
        agents: (await app.stores.agents.list())
          .filter((a) => !a.deactivatedAt)
          .map((a) => ({
            ...publicAgent(a),
            presence: presence[a.id]?.presence ?? 'offline',
          })),
      }
    },
  )
  const CannedReply = Type.Object({
    id: Type.String(),
    label: Type.String(),
    text: Type.String(),
    lang: Type.String(),
  })
  app.get(
    '/api/agent/canned-replies',
    { schema: { tags, response: { 200: Type.Object({ replies: Type.Array(CannedReply) }) } } },
    async () => ({ replies: app.cannedReplies() }),
  )
}

export default agentRoutes

/**
 * Live queue for consoles: every ticket and presence change, as it happens. A socket lives no longer
 * than the token it was opened with (issue 17: it outlived sign-out and expiry): it closes with 4401
 * when that token is signed out, when the account's tokens are revoked or it is deactivated (told on
 * AUTH_TOPIC, from any instance), and when the token expires: at that time, and in any case before
 * an event would be sent after it.
 */
export const agentSocket: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/ws/agent',
    {
      websocket: true,
      schema: { hide: true, querystring: Type.Object({ token: Type.Optional(Type.String()) }) },
    },
    (socket, req) => {
      const offs: Array<() => Promise<void>> = []
      let closed = false
      const quiet = (err: unknown) => req.log.warn({ err }, 'console disconnect cleanup failed')
      // A subscription made after the socket closed (it closed during set-up) is ended at once.
      const keep = (off: () => Promise<void>) => {
        if (closed) off().catch(quiet)
        else offs.push(off)
      }
      let agentId: string | undefined
      let expiry: NodeJS.Timeout | undefined
      const end = (reason: string) => {
        if (socket.readyState !== socket.OPEN && socket.readyState !== socket.CONNECTING) return
        socket.close(4401, reason)
        // A client that does not answer the close (as a stolen token's holder need not) is cut off,
        // rather than held half-closed for ws's 30 s.
        setTimeout(() => socket.terminate(), 1000).unref()
      }
      // An open console is an agent on duty: the bot tells patients a person is there.
      socket.on('close', () => {
        closed = true
        clearTimeout(expiry)
        for (const off of offs) off().catch(quiet)
        if (agentId) app.stores.agents.setPresence(agentId, 'offline', app.clock().toISOString()).catch(quiet)
      })
      void (async () => {
        const session = req.query.token
          ? await staffSession(app.stores.agents, req.query.token, app.clock().getTime())
          : undefined
        if (!session) {
          socket.close(4401, 'sign in first')
          return
        }
        const { agent, tokenHash, expiresAt } = session
        agentId = agent.id
        const expired = () => app.clock().getTime() >= expiresAt
        expiry = setTimeout(() => end('token expired'), Math.max(0, expiresAt - app.clock().getTime()))
        expiry.unref()
        keep(
          await app.stores.events.subscribe(AUTH_TOPIC, (event) => {
            const e = event as AuthEvent
            if (
              ('tokenHash' in e && e.tokenHash === tokenHash) ||
              ('agentId' in e && e.agentId === agent.id)
            ) {
              end('signed out')
            }
          }),
        )
        // Checked again now that revocations are heard: one that came meanwhile is not missed.
        if (!(await staffSession(app.stores.agents, req.query.token!, app.clock().getTime()))) {
          end('signed out')
          return
        }
        await app.stores.agents.setPresence(agent.id, 'online', app.clock().toISOString())
        keep(
          await app.stores.events.subscribe(QUEUE_TOPIC, (event) => {
            if (expired()) end('token expired')
            else if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(event))
          }),
        )
        socket.send(JSON.stringify({ type: 'ready', agent: publicAgent(agent) }))
      })()
    },
  )
}
