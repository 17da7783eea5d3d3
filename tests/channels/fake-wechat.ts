import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { MessageCipher, wechatSignature } from '../../src/channels/wechat-oa/crypto.js'
import { parseWechatXml, type WechatXml } from '../../src/channels/wechat-oa/xml.js'

export interface SentMessage {
  touser: string
  content: string
  accessToken: string
}

/**
 * WeChat's API as a small HTTP server on 127.0.0.1 (an ephemeral port): it hands out access tokens
 * (stable_token) and records customer-service messages, refusing stale tokens (40001) and followers
 * it was told are out of the 48-hour window (45015), as WeChat does.
 */
export interface FakeWechat {
  url: string
  sent: SentMessage[]
  tokenRequests: number
  /** The token stable_token hands out now; a new one after `rotate()`. */
  currentToken(): string
  rotate(): void
  /** Followers WeChat will not let the account write to. */
  outOfWindow: Set<string>
  /** Holds token answers until the returned function is called (single-flight tests). */
  holdTokens(): () => void
  close(): Promise<void>
}

export async function fakeWechat(expiresIn = 7200): Promise<FakeWechat> {
  let generation = 1
  let held: Promise<void> | undefined
  const fake: Omit<FakeWechat, 'url' | 'close'> = {
    sent: [],
    tokenRequests: 0,
    currentToken: () => `fake-token-${generation}`,
    rotate: () => {
      generation += 1
    },
    outOfWindow: new Set(),
    holdTokens() {
      let release!: () => void
      held = new Promise((resolve) => (release = resolve))
      return () => {
        held = undefined
        release()
      }
    },
  }
  const server = createServer((req, res) => {
    void readJson(req).then(async (body) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1')
      const answer = (value: object) =>
        res.setHeader('content-type', 'application/json').end(JSON.stringify(value))
      if (url.pathname === '/cgi-bin/stable_token') {
        fake.tokenRequests += 1
        if (held) await held
        if (body.appid !== APP_ID || body.secret !== APP_SECRET) {
          return answer({ errcode: 40125, errmsg: 'invalid appsecret' })
        }
        return answer({ access_token: fake.currentToken(), expires_in: expiresIn })
      }
      if (url.pathname === '/cgi-bin/message/custom/send') {
        const accessToken = url.searchParams.get('access_token') ?? ''
        if (accessToken !== fake.currentToken()) {
          return answer({ errcode: 40001, errmsg: 'invalid credential' })
        }
        const touser = String(body.touser)
        if (fake.outOfWindow.has(touser)) {
          return answer({ errcode: 45015, errmsg: 'response out of time limit' })
        }
        fake.sent.push({ touser, content: String((body.text as { content?: string })?.content), accessToken })
        return answer({ errcode: 0, errmsg: 'ok' })
      }
      res.statusCode = 404
      res.end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return Object.assign(fake, {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }) as FakeWechat
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  const text = Buffer.concat(chunks).toString()
  return text ? (JSON.parse(text) as Record<string, unknown>) : {}
}

// The account's settings in every test (not real ones).
export const TOKEN = 'nightdeskTest2026'
export const APP_ID = 'wx0123456789abcdef'
export const APP_SECRET = '0123456789abcdef0123456789abcdef'
export const AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG'
export const ACCOUNT = 'gh_0123456789ab'

/** A follower's text message as WeChat sends it (plain fields). */
export function textMessage(
  openid: string,
  content: string,
  msgId: string,
  createTime = 1_780_000_000,
): string {
  return (
    `<xml><ToUserName><![CDATA[${ACCOUNT}]]></ToUserName><FromUserName><![CDATA[${openid}]]></FromUserName>` +
    `<CreateTime>${createTime}</CreateTime><MsgType><![CDATA[text]]></MsgType>` +
    `<Content><![CDATA[${content}]]></Content><MsgId>${msgId}</MsgId></xml>`
  )
}

export function xmlMessage(
  openid: string,
  fields: Record<string, string>,
  createTime = 1_780_000_000,
): string {
  const body = Object.entries(fields)
    .map(([k, v]) => `<${k}><![CDATA[${v}]]></${k}>`)
    .join('')
  return (
    `<xml><ToUserName><![CDATA[${ACCOUNT}]]></ToUserName><FromUserName><![CDATA[${openid}]]></FromUserName>` +
    `<CreateTime>${createTime}</CreateTime>${body}</xml>`
  )
}

let nonces = 0
/** The query WeChat signs a callback with. */
export function signedQuery(token = TOKEN): Record<string, string> {
  const timestamp = '1780000000'
  const nonce = String(++nonces * 7919)
  return { signature: wechatSignature(token, timestamp, nonce), timestamp, nonce }
}

/** POSTs a message as WeChat does in plain mode. */
export function postPlain(
  app: FastifyInstance,
  xml: string,
  query = signedQuery(),
): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'POST',
    url: '/channels/wechat-oa',
    query,
    headers: { 'content-type': 'text/xml' },
    payload: xml,
  })
}

/**
 * POSTs a message as WeChat does in safe mode: only the Encrypt field, signed with msg_signature; in
 * compatible mode the plain fields travel beside it.
 */
export function postSafe(
  app: FastifyInstance,
  xml: string,
  cipher: MessageCipher,
  mode: 'safe' | 'compatible' = 'safe',
): Promise<LightMyRequestResponse> {
  const query = signedQuery()
  const encrypt = cipher.encrypt(xml)
  return app.inject({
    method: 'POST',
    url: '/channels/wechat-oa',
    query: {
      ...query,
      encrypt_type: 'aes',
      msg_signature: wechatSignature(TOKEN, query.timestamp!, query.nonce!, encrypt),
    },
    headers: { 'content-type': 'text/xml' },
    payload:
      mode === 'compatible'
        ? xml.replace('</xml>', `<Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`)
        : `<xml><ToUserName><![CDATA[${ACCOUNT}]]></ToUserName><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`,
  })
}

/** The passive reply's fields, or undefined for "success". */
export function passiveReply(res: LightMyRequestResponse): WechatXml | undefined {
  if (res.statusCode !== 200) throw new Error(`callback ${res.statusCode}: ${res.body}`)
  return res.body === 'success' ? undefined : parseWechatXml(res.body)
}
