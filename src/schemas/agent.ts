import { Type, type Static } from '@sinclair/typebox'

export const LoginBody = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 64 }),
    password: Type.String({ minLength: 1, maxLength: 256 }),
  },
  { additionalProperties: false },
)
export type LoginBody = Static<typeof LoginBody>

export const TicketParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) })
export const ReplyBody = Type.Object(
  { text: Type.String({ minLength: 1, maxLength: 2000 }) },
  { additionalProperties: false },
)
export const TransferBody = Type.Object(
  { toAgentId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })) },
  { additionalProperties: false },
)
export const CloseBody = Type.Object(
  {
    outcome: Type.Union([
      Type.Literal('answered'),
      Type.Literal('called_back'),
      Type.Literal('referred'),
      Type.Literal('no_response'),
      Type.Literal('duplicate'),
      Type.Literal('other'),
    ]),
    note: Type.Optional(Type.String({ maxLength: 1000 })),
  },
  { additionalProperties: false },
)
export const PresenceBody = Type.Object(
  { presence: Type.Union([Type.Literal('online'), Type.Literal('away'), Type.Literal('offline')]) },
  { additionalProperties: false },
)
export const NewAgentBody = Type.Object(
  {
    username: Type.String({ minLength: 3, maxLength: 64 }),
    displayName: Type.Optional(Type.String({ maxLength: 64 })),
    password: Type.String({ minLength: 10, maxLength: 256 }),
    role: Type.Union([Type.Literal('agent'), Type.Literal('admin')]),
  },
  { additionalProperties: false },
)

/** An account as the API shows it (never its password hash). */
export const PublicAgent = Type.Object({
  id: Type.String(),
  username: Type.String(),
  displayName: Type.String(),
  role: Type.Union([Type.Literal('agent'), Type.Literal('admin')]),
  createdAt: Type.String(),
  deactivatedAt: Type.Optional(Type.String()),
  tokenGeneration: Type.Optional(Type.Integer()),
})
