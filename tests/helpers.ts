import { mkdtempSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { FastifyInstance } from 'fastify'
import { buildApp, type AppDeps } from '../src/app.js'
import type { Clock } from '../src/clock.js'
import { loadConfig, type Config } from '../src/config.js'

export function tempDir(prefix = 'nd-test-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix))
}

/** A clock a test sets by hand, passed to `buildApp` as the app's current time. */
export interface TestClock extends Clock {
  set(iso: string): void
}

export function testClock(start: string): TestClock {
  let at = new Date(start)
  return Object.assign(() => new Date(at), {
    set: (iso: string) => {
      at = new Date(iso)
    },
  })
}

/**
 * One training folder for the whole run: a training is named by the hash of all it learned from, so
 * test files share them instead of each training the same knowledge again (seconds each).
 */
export const sharedTrainingDir = path.join(os.tmpdir(), 'nightdesk-test-trainings')

export function testConfig(overrides: Partial<Config> = {}): Config {
  return {
    ...loadConfig({ RATE_LIMIT: 'off', LOG_LEVEL: 'silent' }),
    dataDir: tempDir(),
    trainingDir: sharedTrainingDir,
    ...overrides,
  }
}

export async function testApp(overrides: Partial<Config> = {}, deps: AppDeps = {}): Promise<FastifyInstance> {
  const app = await buildApp(testConfig(overrides), { logger: false, ...deps })
  await app.ready()
  return app
}

export interface ChatBody {
  reply: string
  action: string
  intent: string | null
  confidence: number
  handoff: { reason: string; priority: string; ticketId: string } | null
  suggestions: string[]
  sessionToken?: string
}

export async function chat(
  app: FastifyInstance,
  sessionId: string,
  text: string,
  now?: string,
): Promise<ChatBody> {
  const res = await app.inject({
    method: 'POST',
    url: '/api/chat',
    payload: { sessionId, text, ...(now ? { now } : {}) },
  })
  if (res.statusCode !== 200) throw new Error(`chat ${res.statusCode}: ${res.body}`)
  return res.json() as ChatBody
}
