import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import type { FastifyPluginAsync } from 'fastify'
import type { LanguageSpec } from '../nlu/language.js'

// As the formatter lays it out in public/widget.js.
const MARKER = '/*LABELS*/ {}'

/**
 * The widget script, with the words of each language it speaks filled in from
 * intents/<code>/language.yaml (`name` and `widget`): a language is added as data, not by editing
 * the script. Built once at start-up; an ETag spares repeat downloads.
 */
const widgetRoute: FastifyPluginAsync<{ publicDir: string; languages: LanguageSpec[] }> = async (
  app,
  { publicDir, languages },
) => {
  const source = readFileSync(path.join(publicDir, 'widget.js'), 'utf8')
  if (!source.includes(MARKER)) {
    throw new Error(`public/widget.js lacks the ${MARKER} marker the server fills with each language's words`)
  }
  const labels = Object.fromEntries(
    languages.filter((l) => l.widget).map((l) => [l.code, { ...l.widget, name: l.name }]),
  )
  const body = source.replace(MARKER, JSON.stringify(labels))
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`
  app.get('/widget.js', { schema: { hide: true } }, async (req, reply) => {
    reply.header('etag', etag).header('cache-control', 'public, max-age=300')
    if (req.headers['if-none-match'] === etag) return reply.code(304).send()
    return reply.type('application/javascript; charset=utf-8').send(body)
  })
}

export default widgetRoute
