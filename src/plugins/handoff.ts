import path from 'node:path'
import fp from 'fastify-plugin'
import type { Config } from '../config.js'
import { HandoffService } from '../handoff/service.js'
import { readYaml } from '../knowledge-base/load.js'

declare module 'fastify' {
  interface FastifyInstance { handoff: HandoffService; cannedReplies: () => Array<{ id: string; label: string; text: string }> }
}

/** The human side of a handoff: the agents' service, the hospital's clocks and canned replies. */
export default fp<{ config: Config }>(async (app, { config }) => {
  // Read from the live knowledge each time, so a published wording change applies at once.
  const messages = () => {
    const { composer } = app.brain()
    return { handBack: composer.text('handoff', 'handBack'), closed: composer.text('handoff', 'closed'), askRating: composer.text('handoff', 'askRating') }
  }
  app.decorate('handoff', new HandoffService(app.stores, app.serviceLevels, messages))
  const canned = readYaml<{ replies: Array<{ id: string; label: string; text: string }> }>(path.join(config.knowledgeDir, 'canned-replies.yaml'))
  app.decorate('cannedReplies', () => canned.replies.map((r) => ({ ...r, text: app.brain().composer.render(r.text) })))
}, { name: 'handoff', dependencies: ['stores', 'brain'] })
