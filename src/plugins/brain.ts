import fp from 'fastify-plugin'
import type { Config } from '../config.js'
import { Bot, createBrain, type BotBrain } from '../dialogue/bot.js'
import { loadKnowledgeBase } from '../knowledge-base/load.js'
import { NluPipeline } from '../nlu/pipeline.js'
import { loadNluResources } from '../nlu/resources.js'
import path from 'node:path'
import { loadServiceLevels, nextShift, type ServiceLevels } from '../handoff/service-levels.js'

declare module 'fastify' {
  interface FastifyInstance { brain: () => BotBrain; bot: Bot; serviceLevels: ServiceLevels }
}

/** Loads knowledge/ and intents/, trains the classifier, and exposes the bot every channel uses. */
export default fp<{ config: Config }>(async (app, { config }) => {
  const started = performance.now()
  const kb = loadKnowledgeBase(config.knowledgeDir, config.intentsDir)
  const brain = createBrain(new NluPipeline(kb, loadNluResources(config.intentsDir)), config.timezone)
  const c = brain.nlu.classifier.calibration
  app.log.info({ intents: kb.intents.length, examples: kb.intents.reduce((n, i) => n + i.examples.length, 0), foldAccuracy: Number(c.foldAccuracy.toFixed(3)), ms: Math.round(performance.now() - started) }, 'classifier trained')
  app.decorate('brain', () => brain)
  const levels = loadServiceLevels(path.join(config.knowledgeDir, 'service-levels.yaml'))
  app.decorate('serviceLevels', levels)
  // Whether a person can answer now; if not, when the next shift starts (told to the patient).
  const availability = async (now: Date) => {
    const presence = await app.stores.agents.presence()
    if (Object.values(presence).some((p) => p.presence === 'online')) return { online: true }
    return { online: false, opensAt: nextShift(levels, now, config.timezone) }
  }
  app.decorate('bot', new Bot(() => brain, app.stores, config.nlu, availability, levels))
}, { name: 'brain', dependencies: ['stores'] })
