import { existsSync, mkdirSync } from 'node:fs'
import path from 'node:path'
import type { FastifyInstance } from 'fastify'
import { chromium, type Browser } from 'playwright-core'
import { buildApp, type AppDeps } from '../../src/app.js'
import type { Config } from '../../src/config.js'
import { root } from '../nlu-fixture.js'

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
export const hasChromium = existsSync(CHROMIUM)
export const artifacts = path.join(root, 'tests', 'artifacts')

/** Debian's chromium, headless, with the flags this closed-network machine needs. */
export async function launch(): Promise<Browser> {
  mkdirSync(artifacts, { recursive: true })
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
}

/** The app listening on a free loopback port, and its base URL, for a real browser to open. */
export async function listeningApp(
  config: Config,
  deps: AppDeps = {},
): Promise<{ app: FastifyInstance; base: string }> {
  const app = await buildApp(config, { logger: false, ...deps })
  await app.listen({ host: '127.0.0.1', port: 0 })
  // Every language trained now, not a second later in the middle of a timed step.
  await app.brain().warm()
  const addr = app.server.address()
  return { app, base: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}` }
}
