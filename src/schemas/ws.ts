import { Type, type Static } from '@sinclair/typebox'
import { LanguageCode } from './chat.js'

/** What a web widget sends over /ws (see README, "WebSocket protocol"). */
export const WsClientMessage = Type.Union([
  Type.Object({
    type: Type.Literal('message'),
    text: Type.String({ minLength: 1, maxLength: 2000 }),
    id: Type.Optional(Type.String({ maxLength: 64 })),
    now: Type.Optional(Type.String({ format: 'date-time' })),
    lang: Type.Optional(LanguageCode),
  }),
  Type.Object({ type: Type.Literal('ping') }),
  /** The conversation's latest session token, kept out of the URL (see README, "Session ownership"). */
  Type.Object({ type: Type.Literal('auth'), token: Type.String({ minLength: 1, maxLength: 256 }) }),
])
export type WsClientMessage = Static<typeof WsClientMessage>
