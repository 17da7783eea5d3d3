import { Type, type Static } from '@sinclair/typebox'
import { ACTIONS, HANDOFF_REASONS, PRIORITIES } from '../dialogue/types.js'

export const literals = <T extends readonly string[]>(values: T) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values] })

/** A language code (zh, en, ja…); one the bot has no data for is answered in the message's language. */
export const LanguageCode = Type.String({
  pattern: '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$',
  description: 'Language the patient chose (widget switch): zh, en…',
})

export const ChatRequest = Type.Object(
  {
    sessionId: Type.String({
      minLength: 1,
      maxLength: 128,
      description: "Identifies one patient's conversation",
    }),
    text: Type.String({ minLength: 1, maxLength: 2000, description: "The patient's message" }),
    channel: Type.Optional(literals(['web', 'wechat', 'api'] as const)),
    now: Type.Optional(
      Type.String({
        format: 'date-time',
        description: 'Clock for answers that depend on time (tests); defaults to the server clock',
      }),
    ),
    lang: Type.Optional(LanguageCode),
  },
  { additionalProperties: true, $id: 'ChatRequest' },
)
export type ChatRequest = Static<typeof ChatRequest>

export const Handoff = Type.Object({
  reason: literals(HANDOFF_REASONS),
  priority: literals(PRIORITIES),
  ticketId: Type.String(),
})

export const ChatResponse = Type.Object(
  {
    reply: Type.String(),
    action: literals(ACTIONS),
    intent: Type.Union([Type.String(), Type.Null()]),
    confidence: Type.Number({ minimum: 0, maximum: 1 }),
    handoff: Type.Union([Handoff, Type.Null()]),
    suggestions: Type.Array(Type.String()),
    lang: Type.String({ description: 'The language of the reply; the conversation keeps it' }),
    /**
     * Proof the conversation is this client's: its next message and every read of it send the latest
     * one as X-Session-Token (it rotates when a person hands the conversation back to the bot).
     */
    sessionToken: Type.Optional(Type.String()),
  },
  { $id: 'ChatResponse' },
)
export type ChatResponse = Static<typeof ChatResponse>

/** The conversation's latest session token; the first message of a new conversation has none. */
export const SessionTokenHeaders = Type.Object({
  'x-session-token': Type.Optional(Type.String({ maxLength: 256 })),
})

export const ErrorResponse = Type.Object(
  {
    error: Type.Object({
      code: Type.String(),
      message: Type.String(),
      details: Type.Optional(Type.Unknown()),
    }),
  },
  { $id: 'ErrorResponse' },
)
