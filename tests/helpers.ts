import { mkdtempSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
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

/** Rate limits on (tests run with them off), with these values and the defaults for the rest. */
export function rateLimits(values: Partial<Config['rateLimit']> = {}): Config['rateLimit'] {
  return { ...loadConfig({}).rateLimit, enabled: true, ...values }
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

/** The latest session token each app gave each conversation, as a client keeps it. */
const tokens = new WeakMap<FastifyInstance, Map<string, string>>()

/** The conversation's latest token, sent as X-Session-Token by `chat` (undefined before its first reply). */
export function sessionToken(app: FastifyInstance, sessionId: string): string | undefined {
  return tokens.get(app)?.get(sessionId)
}

/** One message as a client of the contract sends it: with the latest token of its conversation. */
export async function chat(
  app: FastifyInstance,
  sessionId: string,
  text: string,
  now?: string,
): Promise<ChatBody> {
  const token = sessionToken(app, sessionId)
  const res = await app.inject({
    method: 'POST',
    url: '/api/chat',
    payload: { sessionId, text, ...(now ? { now } : {}) },
    headers: token ? { 'x-session-token': token } : {},
  })
  if (res.statusCode !== 200) throw new Error(`chat ${res.statusCode}: ${res.body}`)
  const body = res.json() as ChatBody
  keepSessionToken(app, sessionId, body.sessionToken)
  return body
}

export function keepSessionToken(app: FastifyInstance, sessionId: string, token: string | undefined): void {
  if (!token) return
  if (!tokens.has(app)) tokens.set(app, new Map())
  tokens.get(app)!.set(sessionId, token)
}

/** Signs a staff account in through the API: the headers its requests then send. */
export async function signIn(
  app: FastifyInstance,
  username: string,
  password: string,
): Promise<{ authorization: string }> {
  const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password } })
  if (login.statusCode !== 200) throw new Error(`sign-in of ${username} failed: ${login.statusCode}`)
  return { authorization: `Bearer ${login.json().token}` }
}

/** An agent's reply into a ticket's conversation, as the console sends it. */
export function agentReply(
  app: FastifyInstance,
  auth: { authorization: string },
  ticketId: string,
  text: string,
): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'POST',
    url: `/api/agent/tickets/${ticketId}/reply`,
    headers: auth,
    payload: { text },
  })
}
