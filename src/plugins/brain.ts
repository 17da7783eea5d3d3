import fp from 'fastify-plugin'
import { setTimeout as delay } from 'node:timers/promises'
import { isStorageOutage } from '../storage/errors.js'
import path from 'node:path'
import type { Config } from '../config.js'
import { Bot } from '../dialogue/bot.js'
import { createBrain, type BotBrain } from '../dialogue/brain.js'
import { nextShift } from '../handoff/service-levels.js'
import {
  buildKnowledgeBase,
  readKnowledgeSource,
  withShippedDefaults,
  type KnowledgeSource,
} from '../knowledge-base/load.js'
import { KB_TOPIC, KnowledgeService } from '../publishing/knowledge-service.js'
import type { LanguageSpec } from '../nlu/language.js'
import { loadLanguagePacks } from '../nlu/resources.js'
import { ReplyOnlyLanguages } from '../nlu/reply-only.js'

const WARM_AFTER_LISTEN_MS = 1000

declare module 'fastify' {
  interface FastifyInstance {
    languages: LanguageSpec[]
    brain: () => BotBrain
    bot: Bot
    knowledge: KnowledgeService
    knowledgeVersion: () => number
  }
}

/** How often a start-up during a storage outage asks again for the published knowledge. */
const RETRY_MS = 1000

/**
 * Loads the knowledge (the latest published version, else knowledge/ and intents/), trains the
 * classifier, and exposes the bot every channel uses. A publish replaces `live` in one assignment.
 */
export default fp<{ config: Config }>(
  async (app, { config }) => {
    const started = performance.now()
    // Trainings are kept on disk: a restart on the same knowledge loads them instead of training.
    const packs = await loadLanguagePacks(config.intentsDir, {
      trainingDir: config.trainingDir ?? path.join(config.dataDir, 'trainings'),
    })
    const replyOnly = ReplyOnlyLanguages.load(config.intentsDir)
    // Redis away at start-up: the shipped knowledge answers until the published version can be read.
    let reachable = true
    const published = await app.stores.knowledge.latest().catch((err: Error) => {
      if (!isStorageOutage(err)) throw err
      reachable = false
      app.log.warn('storage unreachable at start-up: answering from the shipped knowledge until it is back')
      return undefined
    })
    const shipped = readKnowledgeSource(config.knowledgeDir, config.intentsDir)
    const source: KnowledgeSource = published?.source ?? shipped
    let live = {
      brain: createBrain(
        buildKnowledgeBase(withShippedDefaults(source, shipped)),
        packs,
        config.timezone,
        replyOnly,
      ),
      source,
      version: published?.version ?? 0,
    }
    app.log.info(
      {
        ms: Math.round(performance.now() - started),
        languages: live.brain.codes,
        training: live.brain.nlu.training,
      },
      'knowledge loaded',
    )
    // The other languages train after the service is up; a message in one of them meanwhile trains it.
    const warm = (brain: BotBrain, version: number, codes?: string[]) => {
      brain.warm(codes).then(
        (languages) => {
          for (const [code, nlu] of languages) {
            const examples = nlu.kb.intents.reduce((n, i) => n + i.examples.length, 0)
            app.log.info(
              {
                version,
                language: code,
                training: nlu.training,
                intents: nlu.kb.intents.length,
                examples,
                untranslated: nlu.kb.untranslated.length,
                foldAccuracy: Number(nlu.classifier.calibration.foldAccuracy.toFixed(3)),
              },
              'classifier trained',
            )
          }
        },
        (err) => app.log.error({ err, version }, 'could not train a language'),
      )
    }
    // A second after listening: the first health checks and messages are answered at once instead of
    // waiting behind ~0.7 s of training (a message in another language meanwhile trains it on the spot).
    let warming: NodeJS.Timeout | undefined
    app.addHook('onListen', async () => {
      warming = setTimeout(() => warm(live.brain, live.version), WARM_AFTER_LISTEN_MS).unref()
    })
    app.addHook('onClose', async () => clearTimeout(warming))
    app.decorate('brain', () => live.brain)
    // The languages the bot speaks: data in intents/ and a knowledge locale (the widget offers these).
    app.decorate(
      'languages',
      live.brain.codes.map((code) => packs.get(code)!.spec),
    )
    app.decorate('knowledgeVersion', () => live.version)

    const knowledge = new KnowledgeService(
      app.stores,
      packs,
      config.timezone,
      shipped,
      {
        get: () => live,
        swap: (brain, src, version) => {
          // The languages in use are trained again (mostly reused: the examples rarely change); the others
          // stay untrained until a message in them comes.
          const inUse = live.brain.trained()
          live = { brain, source: src, version }
          app.log.info({ version }, 'knowledge version live')
          warm(brain, version, inUse)
        },
      },
      app.clock,
      replyOnly,
    )
    app.decorate('knowledge', knowledge)
    const follow = (version: number) =>
      knowledge
        .follow(version)
        .catch((err) => app.log.error({ err, version }, 'could not load a published version'))
    const subscribed = app.stores.events.subscribe(KB_TOPIC, (event) => {
      const version = (event as { version?: number }).version
      if (version) follow(version)
    })
    // A subscription waits for Redis: start-up waits for it only when Redis answered. Otherwise the
    // version published meanwhile is loaded once the subscription is made, when Redis is back.
    let off: (() => Promise<void>) | undefined
    let closing = false
    // The subscriber may connect before the client that reads: read until it answers.
    const catchUp = async (): Promise<void> => {
      for (;;) {
        try {
          const latest = await app.stores.knowledge.latest()
          if (latest) await follow(latest.version)
          return
        } catch (err) {
          if (!isStorageOutage(err as Error) || closing) throw err
          await delay(RETRY_MS, undefined, { ref: false })
        }
      }
    }
    if (reachable) off = await subscribed
    else {
      subscribed
        .then(async (o) => {
          off = o
          await catchUp()
        })
        .catch((err) => {
          if (!closing) app.log.warn({ err }, 'knowledge updates not followed')
        })
    }
    app.addHook('onClose', async () => {
      closing = true
      await off?.().catch(() => undefined)
    })

    const levels = app.serviceLevels
    // Whether a person can answer now; if not, when the next shift starts (told to the patient).
    const availability = async (now: Date) => {
      // Unknown while storage is down: the patient is not told that nobody is on duty.
      const presence = await app.stores.agents.presence().catch(() => undefined)
      if (!presence) return { online: true }
      if (Object.values(presence).some((p) => p.presence === 'online')) return { online: true }
      return { online: false, opensAt: nextShift(levels, now, config.timezone) }
    }
    app.decorate(
      'bot',
      new Bot(
        () => live.brain,
        app.stores,
        app.handoff,
        app.sessionTokens,
        config.nlu,
        app.log,
        availability,
        app.clock,
      ),
    )
  },
  { name: 'brain', dependencies: ['stores', 'handoff'] },
)
