import { FormatRegistry, Type, type Static } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { isIpOrCidr } from './connections.js'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const projectRoot = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  import.meta.url.includes('/dist/') ? '..' : '',
)

FormatRegistry.Set('ip-or-cidr', isIpOrCidr)

/** Everything the app reads from its environment, with defaults; tests pass objects of this type. */
export const ConfigSchema = Type.Object({
  host: Type.String({ default: '127.0.0.1' }),
  port: Type.Integer({ minimum: 0, maximum: 65535, default: 3000 }),
  logLevel: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info' },
  ),
  dataDir: Type.String({ default: './data' }),
  /** Where trained classifiers are kept between runs: `dataDir`/trainings unless set. */
  trainingDir: Type.Optional(Type.String()),
  redisUrl: Type.Optional(Type.String()),
  /** Key prefix, so several hospitals (or test runs) can share one Redis. */
  redisPrefix: Type.String({ default: 'nd:' }),
  knowledgeDir: Type.String({ default: path.join(projectRoot, 'knowledge') }),
  intentsDir: Type.String({ default: path.join(projectRoot, 'intents') }),
  timezone: Type.String({ default: 'Asia/Shanghai' }),
  /**
   * The reverse proxies whose X-Forwarded-For names the real client (addresses or CIDR ranges, e.g.
   * `127.0.0.1` for nginx on the same host). Unset: the peer address is the client, and behind a proxy
   * every patient would count as the proxy's one address.
   */
  trustProxy: Type.Optional(Type.Array(Type.String({ format: 'ip-or-cidr' }), { minItems: 1 })),
  rateLimit: Type.Object(
    {
      enabled: Type.Boolean({ default: true }),
      /** HTTP requests and WebSocket frames together, per client IP. */
      perIpPerMinute: Type.Integer({ minimum: 1, default: 300 }),
      perSessionPerMinute: Type.Integer({ minimum: 1, default: 30 }),
      /**
       * New conversations and new tickets per client IP and hour: a hospital's Wi-Fi or a ward's NAT puts
       * many patients on one address, a script makes hundreds of tickets in a second.
       */
      sessionsPerIpPerHour: Type.Integer({ minimum: 1, default: 60 }),
      handoffsPerIpPerHour: Type.Integer({ minimum: 1, default: 20 }),
      /** Open widget WebSockets per client IP (each instance). */
      socketsPerIp: Type.Integer({ minimum: 1, default: 50 }),
      /** Open TCP connections per peer address (each instance); trusted proxies are capped at the proxy. */
      connectionsPerIp: Type.Integer({ minimum: 1, default: 100 }),
    },
    { default: {} },
  ),
  /** A request's headers and body must arrive within this (slow clients, half-open connections). */
  requestTimeoutMs: Type.Integer({ minimum: 100, default: 10_000 }),
  /**
   * Sites allowed to embed the widget and call the patients' API from the browser (CORS). Empty:
   * any site (the patients' API takes no cookies or credentials); set it to the hospital's sites.
   */
  widgetOrigins: Type.Array(Type.String(), { default: [] }),
  /** Signs patients' session tokens; default: a random secret kept in DATA_DIR or Redis. */
  sessionSecret: Type.Optional(Type.String({ minLength: 16 })),
  /**
   * Encrypts patients' callback numbers in Redis (AES-256-GCM): 64 hex digits or base64 of 32 bytes,
   * the same on every instance. Unset: a key kept in DATA_DIR/data-key (privacy/seal.ts).
   */
  dataKey: Type.Optional(
    Type.String({
      pattern: '^(?:[0-9a-fA-F]{64}|[A-Za-z0-9+/]{43}=)$',
      description: '32 bytes, hex or base64',
    }),
  ),
  /** Transcripts older than this are deleted by a scheduled job (PIPL: keep no longer than needed). */
  retentionDays: Type.Integer({ minimum: 1, default: 180 }),
  /** WeChat via wechaty: the puppet package (WECHATY_PUPPET); its token env vars are read by wechaty. */
  wechat: Type.Object({ puppet: Type.Optional(Type.String()) }, { default: {} }),
  /**
   * The hospital's WeChat Official Account (服务号), answered through its server callback; on when
   * `token` is set (WECHAT_OA_TOKEN). The app id and secret call WeChat's API (customer-service
   * messages); the EncodingAESKey decrypts compatible and safe mode messages.
   */
  wechatOa: Type.Object(
    {
      token: Type.Optional(
        Type.String({
          pattern: '^[A-Za-z0-9]{3,32}$',
          description: '3-32 letters or digits, as WeChat asks',
        }),
      ),
      appId: Type.Optional(
        Type.String({ pattern: '^wx[0-9a-fA-F]{16}$', description: 'wx and 16 hex digits' }),
      ),
      appSecret: Type.Optional(
        Type.String({ pattern: '^[A-Za-z0-9]{32}$', description: '32 letters or digits' }),
      ),
      aesKey: Type.Optional(
        Type.String({
          pattern: '^[A-Za-z0-9]{43}$',
          description: 'the EncodingAESKey: 43 letters or digits',
        }),
      ),
      apiBase: Type.String({ pattern: '^https?://', default: 'https://api.weixin.qq.com' }),
      /** WeChat waits 5 s for a passive reply; an answer not ready by then goes through the API. */
      replyDeadlineMs: Type.Integer({ minimum: 0, maximum: 4900, default: 4500 }),
    },
    { default: {} },
  ),
  /** The first admin, created at start-up when no admin exists (never a default password). */
  admin: Type.Object(
    {
      username: Type.Optional(Type.String()),
      password: Type.Optional(Type.String()),
    },
    { default: {} },
  ),
  nlu: Type.Object(
    {
      /** Below this calibrated confidence the bot does not answer (Rasa's FallbackClassifier threshold). */
      fallbackThreshold: Type.Number({ minimum: 0, maximum: 1, default: 0.5 }),
      /** Top two intents closer than this (in confidence) ask the patient which one they meant. */
      ambiguityMargin: Type.Number({ minimum: 0, maximum: 1, default: 0.12 }),
      /** Sentiment at or below this hands the conversation to a person. */
      negativeSentimentThreshold: Type.Number({ minimum: -1, maximum: 0, default: -0.6 }),
    },
    { default: {} },
  ),
})
export type Config = Static<typeof ConfigSchema>

const bool = (v: string | undefined) =>
  v === undefined ? undefined : !['off', 'false', '0', 'no'].includes(v.toLowerCase())
const num = (v: string | undefined) => (v === undefined || v === '' ? undefined : Number(v))
const list = (v: string | undefined) =>
  v
    ? v
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean)
    : undefined

/** Pure: the same env always gives the same config; an invalid value is an error that names it. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const raw = {
    host: env.HOST,
    port: num(env.PORT),
    logLevel: env.LOG_LEVEL,
    dataDir: env.DATA_DIR,
    trainingDir: env.TRAINING_DIR || undefined,
    redisUrl: env.REDIS_URL || undefined,
    redisPrefix: env.REDIS_PREFIX,
    knowledgeDir: env.KNOWLEDGE_DIR,
    intentsDir: env.INTENTS_DIR,
    timezone: env.HOSPITAL_TZ,
    trustProxy: list(env.TRUST_PROXY),
    rateLimit: {
      enabled: bool(env.RATE_LIMIT),
      perIpPerMinute: num(env.RATE_LIMIT_PER_IP),
      perSessionPerMinute: num(env.RATE_LIMIT_PER_SESSION),
      sessionsPerIpPerHour: num(env.SESSIONS_PER_IP_PER_HOUR),
      handoffsPerIpPerHour: num(env.HANDOFFS_PER_IP_PER_HOUR),
      socketsPerIp: num(env.WEBSOCKETS_PER_IP),
      connectionsPerIp: num(env.CONNECTIONS_PER_IP),
    },
    wechat: { puppet: env.WECHATY_PUPPET || undefined },
    wechatOa: {
      token: env.WECHAT_OA_TOKEN || undefined,
      appId: env.WECHAT_OA_APPID || undefined,
      appSecret: env.WECHAT_OA_APPSECRET || undefined,
      aesKey: env.WECHAT_OA_AES_KEY || undefined,
      apiBase: env.WECHAT_API_BASE || undefined,
      replyDeadlineMs: num(env.WECHAT_OA_REPLY_DEADLINE_MS),
    },
    retentionDays: num(env.RETENTION_DAYS),
    sessionSecret: env.SESSION_SECRET || undefined,
    dataKey: env.DATA_KEY || undefined,
    widgetOrigins: list(env.WIDGET_ORIGINS),
    admin: { username: env.NIGHTDESK_ADMIN_USERNAME, password: env.NIGHTDESK_ADMIN_PASSWORD },
    nlu: {
      fallbackThreshold: num(env.NLU_FALLBACK_THRESHOLD),
      ambiguityMargin: num(env.NLU_AMBIGUITY_MARGIN),
      negativeSentimentThreshold: num(env.NLU_NEGATIVE_THRESHOLD),
    },
    ...overrides,
  }
  const cleaned = Value.Clean(ConfigSchema, Value.Default(ConfigSchema, stripUndefined(raw)))
  // A pattern's description says in words what the pattern asks for.
  const errors = [...Value.Errors(ConfigSchema, cleaned)].map(
    (e) => `${e.path || '/'}: ${e.message}${e.schema.description ? ` (${e.schema.description})` : ''}`,
  )
  if (!errors.length) errors.push(...wechatOaProblems(cleaned as Config))
  if (errors.length) throw new Error(`Invalid configuration: ${errors.join('; ')}`)
  return cleaned as Config
}

/** The Official Account's settings that only make sense together. */
function wechatOaProblems({ wechatOa }: Config): string[] {
  if (!wechatOa.token) {
    return wechatOa.appId || wechatOa.appSecret || wechatOa.aesKey
      ? ['/wechatOa/token: WECHAT_OA_TOKEN is not set, so the other WECHAT_OA_* settings do nothing; set it']
      : []
  }
  // Without them an answer later than WeChat's 5 s, and every agent's reply, could not be sent.
  return [
    ...(wechatOa.appId ? [] : ['/wechatOa/appId: WECHAT_OA_TOKEN is set but WECHAT_OA_APPID is missing']),
    ...(wechatOa.appSecret
      ? []
      : ['/wechatOa/appSecret: WECHAT_OA_TOKEN is set but WECHAT_OA_APPSECRET is missing']),
  ]
}

function stripUndefined(o: unknown): unknown {
  if (Array.isArray(o) || o === null || typeof o !== 'object') return o
  return Object.fromEntries(
    Object.entries(o)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, stripUndefined(v)]),
  )
}
