import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { Config } from '../config.js'
import { previewReply } from '../dialogue/bot.js'
import { Errors } from '../errors.js'
import { KnowledgeInvalidError, SECTIONS, type Section } from '../knowledge-base/publishing.js'
import { requireRole } from './agent/auth-hook.js'
import { unansweredQuestions } from '../metrics/unanswered.js'

/**
 * Admins keep the bot right without a developer: edit a draft (rejected with field errors when
 * invalid), try it next to the live bot, see its held-out accuracy, publish (live in the same
 * request, no restart), roll back. Every action goes to the audit log.
 */
const adminKnowledgeRoutes: FastifyPluginAsyncTypebox<{ config: Config }> = async (app, { config }) => {
  app.addHook('onRequest', requireRole('admin'))
  const tags = ['admin']
  const actor = (req: { agent?: { username: string } }) => req.agent!.username
  const invalid = (err: unknown) => {
    if (!(err instanceof KnowledgeInvalidError)) return err
    const e = new Errors.KnowledgeInvalid(`${err.problems.length} problem(s): ${err.problems.slice(0, 3).join('; ')}`) as Error & { details?: string[] }
    e.details = err.problems
    return e
  }

  app.get('/api/admin/knowledge', { schema: { tags, summary: 'The live version and the draft (the whole knowledge as JSON)' } }, async () => ({ version: app.knowledgeVersion(), draft: await app.knowledge.draft() }))
  app.get('/api/admin/knowledge/versions', { schema: { tags } }, async () => ({ versions: await app.stores.knowledge.list() }))
  app.put('/api/admin/knowledge/draft/:section', {
    // A section is the whole list (all intents with their examples is ~150 KB); patients' 16 KB limit is not for this.
    bodyLimit: 4 * 1024 * 1024,
    schema: {
      tags, summary: 'Replace one section of the draft',
      params: Type.Object({ section: Type.Union(SECTIONS.map((s) => Type.Literal(s))) }),
      body: Type.Object({ value: Type.Unknown() }),
    },
  }, async (req) => {
    try { return await app.knowledge.edit({ [req.params.section as Section]: req.body.value }, actor(req)) } catch (err) { throw invalid(err) }
  })
  app.delete('/api/admin/knowledge/draft', { schema: { tags } }, async (req) => { await app.knowledge.discardDraft(actor(req)); return { ok: true } })
  app.post('/api/admin/knowledge/draft/try', {
    schema: { tags, summary: 'What the draft and the live bot answer to a question', body: Type.Object({ text: Type.String({ minLength: 1, maxLength: 2000 }), now: Type.Optional(Type.String({ format: 'date-time' })) }) },
  }, async (req) => {
    const now = req.body.now ? new Date(req.body.now) : new Date()
    try {
      return { draft: previewReply(await app.knowledge.draftBrain(), req.body.text, config.nlu, now), live: previewReply(app.brain(), req.body.text, config.nlu, now) }
    } catch (err) { throw invalid(err) }
  })
  app.get('/api/admin/knowledge/draft/accuracy', { schema: { tags, summary: 'Held-out intent accuracy of the draft and of the live version' } }, async () => app.knowledge.accuracy())
  app.post('/api/admin/knowledge/publish', { schema: { tags, body: Type.Object({ note: Type.Optional(Type.String({ maxLength: 500 })) }) } }, async (req) => {
    try { return await app.knowledge.publish(actor(req), req.body.note) } catch (err) { throw invalid(err) }
  })
  app.post('/api/admin/knowledge/rollback', { schema: { tags, body: Type.Object({ version: Type.Integer({ minimum: 1 }) }) } }, async (req) => {
    try { return await app.knowledge.rollback(req.body.version, actor(req)) } catch (err) { throw invalid(err) }
  })
  app.get('/api/admin/unanswered', {
    schema: {
      tags, summary: 'What patients asked that the bot could not answer, grouped and counted (default: last 7 days)',
      querystring: Type.Object({ from: Type.Optional(Type.String({ format: 'date-time' })), to: Type.Optional(Type.String({ format: 'date-time' })) }),
    },
  }, async (req) => {
    const to = req.query.to ? new Date(req.query.to) : new Date()
    const from = req.query.from ? new Date(req.query.from) : new Date(to.getTime() - 7 * 86_400_000)
    return { groups: await unansweredQuestions(app.stores, { from, to }) }
  })
  app.post('/api/admin/unanswered/add-example', {
    schema: {
      tags, summary: 'One click: add a question to an intent\'s examples in the draft (a new intent when it does not exist yet)',
      body: Type.Object({ text: Type.String({ minLength: 1, maxLength: 300 }), intent: Type.String({ pattern: '^[a-z][a-z0-9_]{1,63}$' }), answer: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })) }),
    },
  }, async (req) => {
    const draft = (await app.knowledge.draft()).source
    const intents = draft.intents.map((i) => ({ ...i, examples: [...i.examples] }))
    const target = intents.find((i) => i.id === req.body.intent)
    try {
      if (target) {
        target.examples.push(req.body.text)
        return await app.knowledge.edit({ intents }, actor(req))
      }
      // A new FAQ: its first example and its answer, both in the draft, validated together.
      if (!req.body.answer) throw new KnowledgeInvalidError([`intent ${req.body.intent} does not exist: give "answer" to create it as a new FAQ`])
      intents.push({ id: req.body.intent, description: req.body.text, examples: [req.body.text] })
      const templates = { ...draft.templates, intents: { ...draft.templates.intents, [req.body.intent]: req.body.answer } }
      return await app.knowledge.edit({ intents, templates }, actor(req))
    } catch (err) { throw invalid(err) }
  })
  app.get('/api/admin/audit', { schema: { tags, summary: 'Admin actions, newest first' } }, async () => ({ entries: await app.stores.knowledge.auditLog() }))
}

export default adminKnowledgeRoutes
