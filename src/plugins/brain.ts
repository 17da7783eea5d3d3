import fp from 'fastify-plugin'
import path from 'node:path'
import type { Config } from '../config.js'
import { Bot, createBrain, type BotBrain } from '../dialogue/bot.js'
import { loadServiceLevels, nextShift, type ServiceLevels } from '../handoff/service-levels.js'
import { buildKnowledgeBase, readKnowledgeSource, type KnowledgeSource } from '../knowledge-base/load.js'
import { KB_TOPIC, KnowledgeService } from '../knowledge-base/publishing.js'
import { NluPipeline } from '../nlu/pipeline.js'
import { loadNluResources } from '../nlu/resources.js'

declare module 'fastify' {
  interface FastifyInstance { brain: () => BotBrain; bot: Bot; serviceLevels: ServiceLevels; knowledge: KnowledgeService; knowledgeVersion: () => number }
}

/**
 * Loads the knowledge (the latest published version, else knowledge/ and intents/), trains the
 * classifier, and exposes the bot every channel uses. A publish replaces `live` in one assignment.
 */
export default fp<{ config: Config }>(async (app, { config }) => {
  const started = performance.now()
  const resources = loadNluResources(config.intentsDir)
  const published = await app.stores.knowledge.latest()
  const source: KnowledgeSource = published?.source ?? readKnowledgeSource(config.knowledgeDir, config.intentsDir)
  let live = { brain: createBrain(new NluPipeline(buildKnowledgeBase(source), resources), config.timezone), source, version: published?.version ?? 0 }
  const c = live.brain.nlu.classifier.calibration
  app.log.info({ version: live.version, intents: source.intents.length, examples: source.intents.reduce((n, i) => n + i.examples.length, 0), foldAccuracy: Number(c.foldAccuracy.toFixed(3)), ms: Math.round(performance.now() - started) }, 'classifier trained')
  app.decorate('brain', () => live.brain)
  app.decorate('knowledgeVersion', () => live.version)

  const knowledge = new KnowledgeService(app.stores, resources, config.timezone, {
    get: () => live,
    swap: (brain, src, version) => { live = { brain, source: src, version }; app.log.info({ version }, 'knowledge version live') },
  })
  app.decorate('knowledge', knowledge)
  const off = await app.stores.events.subscribe(KB_TOPIC, (event) => {
    const version = (event as { version?: number }).version
    if (version) knowledge.follow(version).catch((err) => app.log.error({ err, version }, 'could not load a published version'))
  })
  app.addHook('onClose', async () => { await off().catch(() => undefined) })

  const levels = loadServiceLevels(path.join(config.knowledgeDir, 'service-levels.yaml'))
  app.decorate('serviceLevels', levels)
  // Whether a person can answer now; if not, when the next shift starts (told to the patient).
  const availability = async (now: Date) => {
    const presence = await app.stores.agents.presence()
    if (Object.values(presence).some((p) => p.presence === 'online')) return { online: true }
    return { online: false, opensAt: nextShift(levels, now, config.timezone) }
  }
  app.decorate('bot', new Bot(() => live.brain, app.stores, config.nlu, availability, levels))
}, { name: 'brain', dependencies: ['stores'] })
