import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { Config } from '../config.js'
import { previewReply } from '../dialogue/brain.js'
import { Errors } from '../errors.js'
import { KnowledgeInvalidError } from '../knowledge-base/errors.js'
import { SECTIONS, type Section } from '../publishing/knowledge-service.js'
import { LIMITS } from '../knowledge-base/limits.js'
import { requireRole } from './agent/auth-hook.js'
import { unansweredQuestions } from '../metrics/unanswered.js'
import { LanguageCode } from '../schemas/chat.js'
import {
  Accuracy,
  AuditLog,
  CsvFile,
  DraftEdited,
  DraftTried,
  KnowledgeFiles,
  KnowledgeState,
  KnowledgeVersionInfo,
  Unanswered,
  Untranslated,
} from '../schemas/admin.js'
import { Ok } from '../schemas/tickets.js'
import { CSV_TABLES, fromCsv, toCsv, type CsvTable } from '../knowledge-base/csv.js'
import { filesFromSource, sourceFromFiles } from '../knowledge-base/load.js'

/**
 * Admins keep the bot right without a developer: edit a draft (rejected with field errors when
 * invalid), try it next to the live bot, see its held-out accuracy, publish (live in the same
 * request, no restart), roll back. Every action goes to the audit log.
 */
const adminKnowledgeRoutes: FastifyPluginAsyncTypebox<{ config: Config }> = async (app, { config }) => {
  app.addHook('onRequest', requireRole('admin'))
  app.addContentTypeParser('text/csv', { parseAs: 'string' }, (_req, body, done) => done(null, body))
  const tags = ['admin']
  const actor = (req: { agent?: { username: string } }) => req.agent!.username

  app.get(
    '/api/admin/knowledge',
    {
      schema: {
        tags,
        summary: 'The live version and the draft (the whole knowledge as JSON)',
        response: { 200: KnowledgeState },
      },
    },
    async () => ({ version: app.knowledgeVersion(), draft: await app.knowledge.draft() }),
  )
  const Versions = Type.Object({ versions: Type.Array(KnowledgeVersionInfo) })
  app.get('/api/admin/knowledge/versions', { schema: { tags, response: { 200: Versions } } }, async () => ({
    versions: await app.stores.knowledge.list(),
  }))
  app.put(
    '/api/admin/knowledge/draft/:section',
    {
      // A section is the whole list (all intents with their examples is ~150 KB); patients' 16 KB
      // limit is not for this.
      bodyLimit: 4 * 1024 * 1024,
      schema: {
        tags,
        summary: 'Replace one section of the draft',
        params: Type.Object({ section: Type.Union(SECTIONS.map((s) => Type.Literal(s))) }),
        body: Type.Object({ value: Type.Unknown() }),
        response: { 200: DraftEdited },
      },
    },
    (req) => app.knowledge.edit({ [req.params.section as Section]: req.body.value }, actor(req)),
  )
  app.delete('/api/admin/knowledge/draft', { schema: { tags, response: { 200: Ok } } }, async (req) => {
    await app.knowledge.discardDraft(actor(req))
    return { ok: true }
  })
  app.post(
    '/api/admin/knowledge/draft/try',
    {
      schema: {
        tags,
        summary: 'What the draft and the live bot answer to a question',
        body: Type.Object({
          text: Type.String({ minLength: 1, maxLength: 2000 }),
          now: Type.Optional(Type.String({ format: 'date-time' })),
          lang: Type.Optional(LanguageCode),
        }),
        response: { 200: DraftTried },
      },
    },
    async (req) => {
      const now = req.body.now ? new Date(req.body.now) : app.clock()
      const { text, lang } = req.body
      return {
        draft: previewReply(await app.knowledge.draftBrain(), text, config.nlu, now, lang),
        live: previewReply(app.brain(), text, config.nlu, now, lang),
      }
    },
  )
  app.get(
    '/api/admin/knowledge/untranslated',
    {
      schema: {
        tags,
        summary:
          'Per language, what the live knowledge shows in Chinese because it has no translation yet ' +
          '(facts edited since, new answers)',
        response: { 200: Untranslated },
      },
    },
    async () => {
      const brain = app.brain()
      return {
        languages: Object.fromEntries(
          brain.codes.slice(1).map((code) => [code, brain.knowledge.get(code)!.untranslated]),
        ),
      }
    },
  )
  app.get(
    '/api/admin/knowledge/draft/accuracy',
    {
      schema: {
        tags,
        summary: 'Held-out intent accuracy of the draft and of the live version',
        response: { 200: Accuracy },
      },
    },
    async () => app.knowledge.accuracy(),
  )
  // A draft that lost most intents (a bad import, a CSV of one intent) is published only when the
  // admin confirms it: patients would get fallbacks to everything the removed intents answered.
  const confirmRemovals = Type.Optional(
    Type.Boolean({ description: 'publish even when more than half of the live intents would be removed' }),
  )
  app.post(
    '/api/admin/knowledge/publish',
    {
      schema: {
        tags,
        body: Type.Object({ note: Type.Optional(Type.String({ maxLength: 500 })), confirmRemovals }),
        response: { 200: KnowledgeVersionInfo },
      },
    },
    (req) => app.knowledge.publish(actor(req), req.body.note, req.body.confirmRemovals === true),
  )
  app.post(
    '/api/admin/knowledge/rollback',
    {
      schema: {
        tags,
        body: Type.Object({ version: Type.Integer({ minimum: 1 }), confirmRemovals }),
        response: { 200: KnowledgeVersionInfo },
      },
    },
    (req) => app.knowledge.rollback(req.body.version, actor(req), req.body.confirmRemovals === true),
  )
  app.get(
    '/api/admin/unanswered',
    {
      schema: {
        tags,
        summary:
          'What patients asked that the bot could not answer, grouped and counted (default: last 7 days)',
        querystring: Type.Object({
          from: Type.Optional(Type.String({ format: 'date-time' })),
          to: Type.Optional(Type.String({ format: 'date-time' })),
        }),
        response: { 200: Unanswered },
      },
    },
    async (req) => {
      const to = req.query.to ? new Date(req.query.to) : app.clock()
      const from = req.query.from ? new Date(req.query.from) : new Date(to.getTime() - 7 * 86_400_000)
      return { groups: await unansweredQuestions(app.stores, { from, to }) }
    },
  )
  app.post(
    '/api/admin/unanswered/add-example',
    {
      schema: {
        tags,
        summary:
          "One click: add a question to an intent's examples in the draft (a new intent when it does not exist yet)",
        body: Type.Object({
          text: Type.String({ minLength: 1, maxLength: 300 }),
          intent: Type.String({ pattern: '^[a-z][a-z0-9_]{1,63}$' }),
          answer: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })),
        }),
        response: { 200: DraftEdited },
      },
    },
    async (req) => {
      const draft = (await app.knowledge.draft()).source
      const intents = draft.intents.map((i) => ({ ...i, examples: [...i.examples] }))
      const target = intents.find((i) => i.id === req.body.intent)
      if (target) {
        target.examples.push(req.body.text)
        return await app.knowledge.edit({ intents }, actor(req))
      }
      // A new FAQ: its first example and its answer, both in the draft, validated together.
      if (!req.body.answer) {
        throw new KnowledgeInvalidError([
          `intent ${req.body.intent} does not exist: give "answer" to create it as a new FAQ`,
        ])
      }
      intents.push({ id: req.body.intent, description: req.body.text, examples: [req.body.text] })
      const templates = {
        ...draft.templates,
        intents: { ...draft.templates.intents, [req.body.intent]: req.body.answer },
      }
      return await app.knowledge.edit({ intents, templates }, actor(req))
    },
  )
  // The same YAML files as knowledge/ and intents/zh/, as one JSON bundle {files: {path: text}}:
  // `node dist/scripts/knowledge-files.js` writes them to folders for git.
  app.get(
    '/api/admin/knowledge/export',
    {
      schema: {
        tags,
        summary: 'The draft (or a version) as the YAML files of knowledge/ and intents/',
        querystring: Type.Object({ version: Type.Optional(Type.Integer({ minimum: 1 })) }),
        response: { 200: KnowledgeFiles },
      },
    },
    async (req) => {
      const source = req.query.version
        ? (await app.stores.knowledge.get(req.query.version))?.source
        : (await app.knowledge.draft()).source
      if (!source) throw new Errors.NotFound(`version ${req.query.version} does not exist`)
      return { files: filesFromSource(source) }
    },
  )
  app.post(
    '/api/admin/knowledge/import',
    {
      bodyLimit: LIMITS.importBytes,
      config: { importLimit: LIMITS.importBytes },
      schema: {
        tags,
        summary: 'Replace the draft with YAML files in the export format',
        body: Type.Object({ files: Type.Record(Type.String(), Type.String()) }),
        response: { 200: DraftEdited },
      },
    },
    async (req) => {
      const count = Object.keys(req.body.files).length
      if (count > LIMITS.importFiles) {
        throw new Errors.KnowledgeInvalid(
          `导入了 ${count} 个文件，上限 ${LIMITS.importFiles} 个：请只导入 knowledge/ 和 intents/ 下的 YAML 文件`,
        )
      }
      const source = sourceFromFiles(req.body.files)
      return await app.knowledge.edit({ ...source }, actor(req))
    },
  )
  app.get(
    '/api/admin/knowledge/export/:table',
    {
      schema: {
        tags,
        summary: 'A table of the draft as CSV for Excel',
        params: Type.Object({ table: Type.Union(CSV_TABLES.map((t) => Type.Literal(t))) }),
        response: { 200: CsvFile },
      },
    },
    async (req, reply) => {
      reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${req.params.table}.csv"`)
      return toCsv((await app.knowledge.draft()).source, req.params.table as CsvTable)
    },
  )
  app.put(
    '/api/admin/knowledge/import/:table',
    {
      bodyLimit: LIMITS.csvBytes,
      config: { importLimit: LIMITS.csvBytes },
      schema: {
        tags,
        summary: 'Replace a section of the draft from a CSV table (as exported)',
        params: Type.Object({ table: Type.Union(CSV_TABLES.map((t) => Type.Literal(t))) }),
        response: { 200: DraftEdited },
      },
    },
    async (req) => {
      if (typeof req.body !== 'string') throw new Errors.InvalidRequest('send the CSV as text/csv')
      return await app.knowledge.edit(
        fromCsv((await app.knowledge.draft()).source, req.params.table as CsvTable, req.body),
        actor(req),
      )
    },
  )
  app.get(
    '/api/admin/audit',
    { schema: { tags, summary: 'Admin actions, newest first', response: { 200: AuditLog } } },
    async () => ({
      entries: await app.stores.knowledge.auditLog(),
    }),
  )
}

export default adminKnowledgeRoutes
