import Fastify, { LogController, type FastifyError, type FastifyInstance } from 'fastify'
import rateLimit from '@fastify/rate-limit'
import swagger from '@fastify/swagger'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Config } from './config.js'
import { errorBody, Errors, httpError } from './errors.js'
import { isStorageOutage } from './storage/errors.js'
import { loggerOptions } from './logger.js'
import { maskUrl } from './privacy/mask.js'
import brain from './plugins/brain.js'
import stores from './plugins/stores.js'
import chatRoutes from './routes/chat.js'
import healthRoutes from './routes/health.js'
import widgetRoute from './routes/widget.js'
import wsChatRoutes, { drainWebSockets, wsDrain } from './routes/ws-chat.js'
import websocket from '@fastify/websocket'
import fastifyStatic from '@fastify/static'
import securityHeaders from './plugins/security-headers.js'
import cors from '@fastify/cors'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'
import handoff from './plugins/handoff.js'
import cannedReplies from './plugins/canned-replies.js'
import authRoutes from './routes/auth.js'
import adminRoutes from './routes/admin.js'
import agentRoutes, { agentSocket } from './routes/agent/index.js'
import patientRoutes from './routes/patient.js'
import { ensureFirstAdmin } from './auth/bootstrap.js'
import wechat from './plugins/wechat.js'
import wechatOa from './plugins/wechat-oa.js'
import type { OaDeadline } from './channels/wechat-oa/channel.js'
import adminKnowledgeRoutes from './routes/admin-knowledge.js'
import retention from './plugins/retention.js'
import type { Stores } from './storage/types.js'
import { systemClock, type Clock } from './clock.js'
import { addressList, capConnections } from './connections.js'

declare module 'fastify' {
  interface FastifyInstance {
    clock: Clock
  }
  interface FastifyContextConfig {
    /** An admin upload's body limit: a larger body is refused with the admins' message, not the patients'. */
    importLimit?: number
  }
}

export interface AppDeps {
  /** Storage to use instead of opening the configured one (tests). */
  stores?: Stores
  logger?: boolean | object
  /** A wechaty puppet instance (tests use wechaty-puppet-mock). */
  wechatPuppet?: unknown
  /** The current time (tests pass a fixed or settable clock); the system clock by default. */
  clock?: Clock
  /** Waits out the official account's passive-reply deadline (tests pass one already passed). */
  wechatOaDeadline?: OaDeadline
}

const BODY_LIMIT = 16 * 1024
const here = path.dirname(fileURLToPath(import.meta.url))
const PUBLIC_DIR = path.resolve(
  here,
  here.includes(`${path.sep}dist${path.sep}`) ? '../../public' : '../public',
)
// echarts' main entry is dist/echarts.js, beside echarts.min.js.
const ECHARTS_DIR = path.dirname(createRequire(import.meta.url).resolve('echarts'))

/** The whole app as a plain Fastify instance; server.ts listens, tests inject. */
export async function buildApp(config: Config, deps: AppDeps = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: deps.logger ?? loggerOptions(config.logLevel),
    // No line per request: errors and refusals are logged (onResponse below), each chat turn is in
    // the transcript, and LOG_LEVEL=debug adds a line per chat message.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT,
    // X-Forwarded-For is believed only from the configured proxies; then req.ip is the patient's address.
    ...(config.trustProxy ? { trustProxy: config.trustProxy.join(',') } : {}),
    // Slow clients (slowloris) and half-open connections: headers and body must arrive within 10 s, a
    // silent socket closes then too; idle keep-alives close at 5 s. Node checks these deadlines every
    // connectionsCheckingInterval (30 s by default, which held slow clients 30-35 s), so every second.
    requestTimeout: config.requestTimeoutMs,
    connectionTimeout: config.requestTimeoutMs,
    keepAliveTimeout: 5_000,
    http: {
      headersTimeout: config.requestTimeoutMs,
      connectionsCheckingInterval: Math.min(1_000, config.requestTimeoutMs),
    },
    ajv: { customOptions: { allErrors: false, coerceTypes: false, removeAdditional: false } },
  }).withTypeProvider<TypeBoxTypeProvider>()
  app.decorate('clock', deps.clock ?? systemClock)
  if (config.rateLimit.enabled && !config.trustProxy) {
    // Behind a proxy without TRUST_PROXY every patient has the proxy's address, so one patient's burst
    // would rate-limit them all: said once, the first time a forwarded request shows it.
    let told = false
    app.addHook('onRequest', (req, _reply, done) => {
      if (!told && req.headers['x-forwarded-for']) {
        told = true
        req.log.warn(
          { peer: req.socket.remoteAddress },
          'X-Forwarded-For received but TRUST_PROXY is not set: limits count the proxy as one client',
        )
      }
      done()
    })
  }
  if (config.rateLimit.enabled) {
    const trusted = config.trustProxy ? addressList(config.trustProxy) : undefined
    capConnections(app.server, config.rateLimit.connectionsPerIp, trusted, app.log)
  }

  app.setErrorHandler((caught: FastifyError, req, reply) => {
    const err = httpError(caught, {
      // A route with a limit of its own (the WeChat callback's) names that limit.
      bodyLimit: req.routeOptions.bodyLimit ?? BODY_LIMIT,
      importLimit: req.routeOptions.config?.importLimit,
    })
    const status = err.statusCode ?? 500
    if (status >= 500) req.log.error({ err: caught }, 'request failed')
    reply.status(status).send(errorBody(err))
  })
  app.addHook('onResponse', (req, reply, done) => {
    if (reply.statusCode >= 400) {
      req.log.info(
        {
          method: req.method,
          // A route's pattern holds no data; an unknown URL (a probe, a typo) can hold anything.
          url: req.routeOptions.url ?? maskUrl(req.url),
          statusCode: reply.statusCode,
          ms: Math.round(reply.elapsedTime),
        },
        'request failed',
      )
    }
    done()
  })
  app.setNotFoundHandler((req, reply) => {
    reply.status(404).send({
      error: { code: 'ND_NOT_FOUND', message: `no route ${req.method} ${req.url}; see /openapi.json` },
    })
  })

  await app.register(securityHeaders)
  // The patients' API and the widget script are called from the hospital's own sites.
  await app.register(cors, {
    // A list or `true` (reflect any origin), not a function: a function is called on every request.
    origin: config.widgetOrigins.length ? config.widgetOrigins : true,
    methods: ['GET', 'POST'],
    credentials: false,
  })
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'NightDesk 夜间服务台 chat API',
        version: '1.0.0',
        description: 'See README.md for the contract.',
      },
    },
  })
  if (config.rateLimit.enabled) {
    // With Redis, every instance counts against the same per-IP limit; if Redis is away, requests pass
    // (each instance's per-conversation limit still holds) rather than patients being refused.
    const shared = config.redisUrl
      ? new (await import('ioredis')).Redis(config.redisUrl, {
          connectTimeout: 500,
          maxRetriesPerRequest: 1,
          enableOfflineQueue: false,
          lazyConnect: true,
        })
      : undefined
    if (shared) {
      shared.on('error', () => undefined)
      await shared.connect().catch(() => undefined)
      app.addHook('onClose', async () => {
        shared.disconnect()
      })
    }
    await app.register(rateLimit, {
      ...(shared ? { redis: shared, nameSpace: `${config.redisPrefix}rate:`, skipOnError: true } : {}),
      // Per real client IP (req.ip: TRUST_PROXY decides whether X-Forwarded-For names it), no address
      // exempt: loopback is the documented reverse proxy, and exempting it exempted every patient.
      max: config.rateLimit.perIpPerMinute,
      timeWindow: 60_000,
      errorResponseBuilder: (_req, ctx) => new Errors.RateLimited(`${Math.ceil(ctx.ttl / 1000)} seconds`),
    })
  }
  await app.register(stores, { config, ...(deps.stores ? { stores: deps.stores } : {}) })
  await app.register(handoff, { config })
  await app.register(brain, { config })
  await app.register(retention, { config })
  const drain = wsDrain()
  await app.register(websocket, {
    options: { maxPayload: BODY_LIMIT },
    preClose(done) {
      drainWebSockets(this.websocketServer, drain).then(() => done(), done)
    },
  })
  // One per-conversation limit across channels (HTTP and WebSocket messages count together) and,
  // through the storage, across instances; the same per-IP caps on new conversations and tickets.
  const limits = config.rateLimit.enabled
    ? {
        perSession: config.rateLimit.perSessionPerMinute,
        caps: {
          sessionsPerHour: config.rateLimit.sessionsPerIpPerHour,
          handoffsPerHour: config.rateLimit.handoffsPerIpPerHour,
        },
      }
    : {}
  await app.register(chatRoutes, limits)
  await app.register(wsChatRoutes, {
    drain,
    ...limits,
    // WebSocket frames count against the same per-IP limit as HTTP requests (@fastify/rate-limit's store).
    ...(config.rateLimit.enabled
      ? { perIp: app.createRateLimit(), socketsPerIp: config.rateLimit.socketsPerIp }
      : {}),
  })
  await app.register(patientRoutes)
  await app.register(cannedReplies, { config })
  await app.register(authRoutes)
  await app.register(agentRoutes)
  await app.register(agentSocket)
  await app.register(adminRoutes, { timeZone: config.timezone })
  await app.register(adminKnowledgeRoutes, { config })
  await app.register(wechat, { config, ...(deps.wechatPuppet ? { puppet: deps.wechatPuppet } : {}) })
  await app.register(wechatOa, {
    config,
    ...(deps.wechatOaDeadline ? { deadline: deps.wechatOaDeadline } : {}),
  })
  await ensureFirstAdmin(app.stores.agents, config.admin, app.log).catch((err: Error) => {
    // Redis away at start-up: patients are answered meanwhile; the first admin is made at a later start.
    if (!isStorageOutage(err)) throw err
    app.log.warn('storage unreachable at start-up: the first admin is not checked for until a later start')
  })
  // The agent console: static files from public/, served by the app itself (no CDN).
  // widget.js is served with each language's words filled in (routes/widget.ts).
  await app.register(fastifyStatic, {
    root: PUBLIC_DIR,
    prefix: '/',
    index: false,
    wildcard: false,
    globIgnore: ['widget.js'],
  })
  await app.register(widgetRoute, { publicDir: PUBLIC_DIR, languages: app.languages })
  app.get('/console', { schema: { hide: true } }, (_req, reply) => reply.sendFile('console/index.html'))
  app.get('/admin', { schema: { hide: true } }, (_req, reply) => reply.sendFile('admin/index.html'))
  app.get('/admin/dashboard', { schema: { hide: true } }, (_req, reply) =>
    reply.sendFile('admin/dashboard.html'),
  )
  // The charting library, served from this app's own node_modules (no CDN).
  app.get('/vendor/echarts.min.js', { schema: { hide: true } }, (_req, reply) =>
    reply.sendFile('echarts.min.js', ECHARTS_DIR),
  )
  // A mock hospital page showing the widget, as a hospital would embed it.
  app.get('/', { schema: { hide: true } }, (_req, reply) => reply.sendFile('index.html'))
  app.get('/demo', { schema: { hide: true } }, (_req, reply) => reply.sendFile('index.html'))
  await app.register(healthRoutes)
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger())
  return app
}
