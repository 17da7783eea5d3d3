import fp from 'fastify-plugin'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Config } from '../config.js'
import { Errors } from '../errors.js'
import { ErrorResponse } from '../schemas/chat.js'
import {
  OA_CONTENT_TYPES,
  OaEcho,
  OaHandshakeQuery,
  OaMessageBody,
  OaMessageQuery,
  OaReply,
} from '../schemas/wechat-oa.js'
import { WechatApi } from '../channels/wechat-oa/api.js'
import { OA_CHANNEL, OaChannel, type OaDeadline } from '../channels/wechat-oa/channel.js'
import {
  DecryptError,
  MessageCipher,
  signatureMatches,
  wechatSignature,
} from '../channels/wechat-oa/crypto.js'
import { memoryState, redisState, type OaSharedState } from '../channels/wechat-oa/shared-state.js'
import {
  encryptedReplyXml,
  parseWechatXml,
  textReplyXml,
  XmlError,
  type WechatXml,
} from '../channels/wechat-oa/xml.js'

declare module 'fastify' {
  interface FastifyInstance {
    wechatOa?: OaChannel
  }
}

/** A text message is at most 2,048 bytes of content; compatible mode sends it twice, once encrypted. */
const OA_BODY_LIMIT = 64 * 1024
const PATH = '/channels/wechat-oa'

export interface WechatOaOptions {
  config: Config
  /** Waits a passive reply's deadline out (tests: one already passed). */
  deadline?: OaDeadline
}

/**
 * The hospital's WeChat Official Account (服务号): WeChat calls PATH with each follower's message and
 * takes the answer as the reply, or later through the customer-service API. Off unless
 * WECHAT_OA_TOKEN is set.
 */
export default fp<WechatOaOptions>(
  async (app, { config, deadline }) => {
    const { token, appId, appSecret, aesKey, apiBase, replyDeadlineMs } = config.wechatOa
    if (!token || !appId || !appSecret) return
    const cipher = aesKey ? new MessageCipher(aesKey, appId) : undefined
    const state = await sharedState(config, () => app.clock().getTime())
    const channel = new OaChannel({
      bot: app.bot,
      api: new WechatApi({ apiBase, appId, appSecret, state, now: () => app.clock().getTime() }),
      state,
      stores: app.stores,
      log: app.log.child({ channel: OA_CHANNEL }),
      clock: app.clock,
      words: () => ({
        textOnly: app.brain().composer.text('phrases', 'textOnly'),
        welcome: app.brain().composer.text('phrases', 'welcome'),
      }),
      deadlineMs: replyDeadlineMs,
      ...(deadline ? { deadline } : {}),
    })
    app.decorate('wechatOa', channel)
    app.handoff.reachVia(OA_CHANNEL, (ticket) => channel.reachable(ticket))
    await app.register(routes, { token, cipher, channel, now: () => app.clock() })
    app.addHook('onReady', async () => {
      await channel.start()
    })
    app.addHook('onClose', async () => {
      await channel.stop()
      await state.close()
    })
  },
  { name: 'wechat-oa', dependencies: ['stores', 'brain', 'handoff'] },
)

/** With Redis, every instance shares the message claims and the access token. */
async function sharedState(config: Config, now: () => number): Promise<OaSharedState> {
  if (!config.redisUrl) return memoryState(now)
  const { Redis } = await import('ioredis')
  const redis = new Redis(config.redisUrl, {
    connectTimeout: 500,
    maxRetriesPerRequest: 1,
    // While Redis is away a command fails at once and the instance decides alone (shared-state.ts).
    enableOfflineQueue: false,
    lazyConnect: true,
  })
  redis.on('error', () => undefined)
  await redis.connect().catch(() => undefined)
  return redisState(redis, config.redisPrefix)
}

const routes: FastifyPluginAsyncTypebox<{
  token: string
  cipher: MessageCipher | undefined
  channel: OaChannel
  now: () => Date
}> = async (app, { token, cipher, channel, now }) => {
  app.addContentTypeParser(
    OA_CONTENT_TYPES,
    { parseAs: 'string', bodyLimit: OA_BODY_LIMIT },
    (_req, body, done) => done(null, body),
  )
  const tags = ['wechat-oa']
  // Every follower's message comes from WeChat's few servers: a per-IP limit would throttle them
  // all together. The signature is checked before any work instead.
  const config = { rateLimit: false } as const
  const verified = (q: { signature?: string; timestamp?: string; nonce?: string }) => {
    if (!q.timestamp || !q.nonce || !signatureMatches(q.signature, token, q.timestamp, q.nonce)) {
      throw new Errors.WechatSignature()
    }
    return { timestamp: q.timestamp, nonce: q.nonce }
  }

  app.get(
    PATH,
    {
      config,
      schema: {
        tags,
        summary: "WeChat's check of the server URL: echoes echostr when signed with the token",
        querystring: OaHandshakeQuery,
        response: { 200: OaEcho, 401: ErrorResponse },
      },
    },
    async (req, reply) => {
      verified(req.query)
      return reply.type('text/plain').send(req.query.echostr ?? '')
    },
  )

  app.post(
    PATH,
    {
      config,
      bodyLimit: OA_BODY_LIMIT,
      schema: {
        tags,
        summary: "A follower's message or event; the reply is WeChat's passive reply XML or success",
        querystring: OaMessageQuery,
        consumes: OA_CONTENT_TYPES,
        body: OaMessageBody,
        response: { 200: OaReply, 400: ErrorResponse, 401: ErrorResponse, 413: ErrorResponse },
      },
    },
    async (req, reply) => {
      const { nonce } = verified(req.query)
      const encrypted = req.query.encrypt_type === 'aes'
      const envelope = readXml(req.body)
      const message = encrypted ? decrypted(envelope, req.query, token, cipher) : envelope
      const text = await channel.receive(message)
      if (text === undefined || !message.FromUserName || !message.ToUserName) {
        return reply.type('text/plain').send('success')
      }
      const createTime = Math.floor(now().getTime() / 1000)
      const xml = textReplyXml(message.FromUserName, message.ToUserName, createTime, text)
      if (!encrypted || !cipher) return reply.type('application/xml').send(xml)
      const encrypt = cipher.encrypt(xml)
      const timestamp = String(createTime)
      return reply
        .type('application/xml')
        .send(encryptedReplyXml(encrypt, wechatSignature(token, timestamp, nonce, encrypt), timestamp, nonce))
    },
  )
}

function readXml(body: string): WechatXml {
  try {
    return parseWechatXml(body)
  } catch (err) {
    if (err instanceof XmlError) throw new Errors.InvalidXml(err.message)
    throw err
  }
}

/**
 * Safe mode sends only Encrypt; compatible mode sends the plain fields too. Either way the Encrypt
 * field is what is trusted, once msg_signature proves WeChat wrote it. Compatible mode without a key
 * configured falls back to the plain fields (and a plain reply, which that mode accepts).
 */
function decrypted(
  envelope: WechatXml,
  query: { timestamp?: string; nonce?: string; msg_signature?: string },
  token: string,
  cipher: MessageCipher | undefined,
): WechatXml {
  const encrypt = envelope.Encrypt
  if (!encrypt) throw new Errors.InvalidXml('encrypt_type=aes but no <Encrypt> field')
  if (!cipher) {
    if (envelope.MsgType) return envelope
    throw new Errors.InvalidXml('the account is in safe mode: set WECHAT_OA_AES_KEY to its EncodingAESKey')
  }
  if (!signatureMatches(query.msg_signature, token, query.timestamp!, query.nonce!, encrypt)) {
    throw new Errors.WechatSignature()
  }
  try {
    return parseWechatXml(cipher.decrypt(encrypt))
  } catch (err) {
    if (err instanceof DecryptError || err instanceof XmlError) throw new Errors.InvalidXml(err.message)
    throw err
  }
}
