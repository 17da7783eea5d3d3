import { Type, type Static } from '@sinclair/typebox'

// Optional here, checked by the handler: a request without them is unsigned (401), not malformed (400).
const signed = {
  signature: Type.Optional(Type.String({ description: 'sha1 of the sorted token, timestamp and nonce' })),
  timestamp: Type.Optional(Type.String()),
  nonce: Type.Optional(Type.String()),
}

/** WeChat's check of the server URL when it is saved on the platform (服务器地址验证). */
export const OaHandshakeQuery = Type.Object({
  ...signed,
  echostr: Type.Optional(Type.String({ description: 'echoed back when the signature matches' })),
})
export type OaHandshakeQuery = Static<typeof OaHandshakeQuery>

/** A message callback's URL: plain mode, or compatible/safe mode with encrypt_type=aes. */
export const OaMessageQuery = Type.Object({
  ...signed,
  openid: Type.Optional(Type.String()),
  encrypt_type: Type.Optional(Type.String({ description: '"aes" in compatible and safe modes' })),
  msg_signature: Type.Optional(
    Type.String({ description: 'sha1 of the sorted token, timestamp, nonce and the Encrypt field' }),
  ),
})
export type OaMessageQuery = Static<typeof OaMessageQuery>

/** The XML message, at most OA_BODY_LIMIT bytes. */
export const OaMessageBody = Type.String()

/** A passive reply in XML (encrypted in safe mode), or "success": nothing to say now. */
export const OaReply = {
  description: 'A passive reply (XML), or "success" as text',
  content: {
    'application/xml': { schema: Type.String() },
    'text/plain': { schema: Type.String() },
  },
}

/** The handshake echoes echostr as text. */
export const OaEcho = { description: 'echostr', content: { 'text/plain': { schema: Type.String() } } }

/** WeChat posts its messages as XML. */
export const OA_CONTENT_TYPES = ['text/xml', 'application/xml']
