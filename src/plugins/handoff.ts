import path from 'node:path'
import fp from 'fastify-plugin'
import type { Config } from '../config.js'
import { HandoffService } from '../handoff/service.js'
import { loadServiceLevels, type ServiceLevels } from '../handoff/service-levels.js'

declare module 'fastify' {
  interface FastifyInstance {
    handoff: HandoffService
    serviceLevels: ServiceLevels
  }
}

/**
 * The human side of a handoff: the hospital's clocks, and the service that alone writes tickets (the
 * bot asks it to open and raise them, so it is made before the bot).
 */
export default fp<{ config: Config }>(
  async (app, { config }) => {
    const levels = loadServiceLevels(path.join(config.knowledgeDir, 'service-levels.yaml'))
    app.decorate('serviceLevels', levels)
    // Read from the live knowledge each time, so a published wording change applies at once.
    // In the patient's language: the ticket remembers it.
    const messages = (lang?: string) => {
      const { composer } = app.brain().language(lang)
      const rate = composer.text('handoff', 'askRating')
      return {
        handBack: composer.join(composer.text('handoff', 'handBack'), rate),
        closed: composer.join(composer.text('handoff', 'closed'), rate),
      }
    }
    app.decorate(
      'handoff',
      new HandoffService({ stores: app.stores, levels, messages, log: app.log, clock: app.clock }),
    )
  },
  { name: 'handoff', dependencies: ['stores'] },
)
