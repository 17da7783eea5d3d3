import { existsSync } from 'node:fs'
import path from 'node:path'
import fp from 'fastify-plugin'
import type { Config } from '../config.js'
import { readYaml } from '../knowledge-base/load.js'
import type { LocaleSource } from '../knowledge-base/locale.js'

export interface CannedReply {
  id: string
  label: string
  text: string
  lang: string
}

declare module 'fastify' {
  interface FastifyInstance {
    cannedReplies: () => CannedReply[]
  }
}

/** The agents' canned replies, in each language the bot speaks. */
export default fp<{ config: Config }>(
  async (app, { config }) => {
    const canned = readYaml<{ replies: Array<{ id: string; label: string; text: string }> }>(
      path.join(config.knowledgeDir, 'canned-replies.yaml'),
    )
    // Each language's canned replies, so an agent answers an English-speaking patient in English.
    const localCanned = app
      .brain()
      .codes.slice(1)
      .map((code) => {
        const file = path.join(config.knowledgeDir, 'locales', `${code}.yaml`)
        return { code, replies: existsSync(file) ? (readYaml<LocaleSource>(file).canned ?? {}) : {} }
      })
    // Rendered from the live knowledge each time, so a published wording change applies at once.
    app.decorate('cannedReplies', () => {
      const brain = app.brain()
      const base = canned.replies.map((r) => ({
        ...r,
        text: brain.composer.render(r.text),
        lang: brain.composer.language,
      }))
      const local = localCanned.flatMap(({ code, replies }) =>
        Object.entries(replies).map(([id, r]) => ({
          id,
          label: r.label ?? id,
          text: brain.language(code).composer.render(r.text),
          lang: code,
        })),
      )
      return [...base, ...local]
    })
  },
  { name: 'canned-replies', dependencies: ['brain'] },
)
