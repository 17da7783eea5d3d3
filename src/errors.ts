import createError from '@fastify/error'
import type { FastifyError } from 'fastify'
import { AccountError } from './auth/accounts.js'
import { NoSuchAgentError, NotYourTicketError, PatientUnreachableError } from './handoff/errors.js'
import { KnowledgeError, KnowledgeInvalidError, RemovalNotConfirmedError } from './knowledge-base/errors.js'
import { isStorageOutage } from './storage/errors.js'
import { TicketConflictError, TicketNotFoundError } from './storage/types.js'

/** Stable error codes; every error reaches the client as {"error":{"code","message"}}. */
export const Errors = {
  InvalidRequest: createError<[string]>('ND_INVALID_REQUEST', '%s', 400),
  EmptyText: createError(
    'ND_EMPTY_TEXT',
    "text is empty: send the patient's message as 1-2000 characters of text",
    400,
  ),
  BodyTooLarge: createError<[number]>(
    'ND_BODY_TOO_LARGE',
    'request body is larger than %d bytes; keep a message under 2000 characters',
    413,
  ),
  RateLimited: createError<[string]>(
    'ND_RATE_LIMITED',
    'too many messages; please wait %s and try again',
    429,
  ),
  SessionTokenRequired: createError(
    'ND_SESSION_TOKEN_REQUIRED',
    '这个会话需要它的会话凭证：请在 X-Session-Token 中带上最近一次回复给您的 sessionToken（新对话请换一个新的 sessionId）',
    401,
  ),
  TooManySessions: createError(
    'ND_TOO_MANY_SESSIONS',
    '您所在的网络一小时内新开的对话太多，请稍后再试；如有紧急情况，请立即拨打120或到急诊科',
    429,
  ),
  TooManyHandoffs: createError(
    'ND_TOO_MANY_HANDOFFS',
    '您所在的网络一小时内转人工的次数已达上限，值班人员已收到提醒；请稍后再试，或拨打医院总机；紧急情况请立即拨打120',
    429,
  ),
  TooManyConnections: createError(
    'ND_TOO_MANY_CONNECTIONS',
    '您所在的网络打开的对话窗口太多，请关闭其他窗口后再试',
    429,
  ),
  NotFound: createError<[string]>('ND_NOT_FOUND', '%s', 404),
  TicketNotFound: createError<[string]>('ND_TICKET_NOT_FOUND', 'ticket %s not found', 404),
  Unauthorized: createError(
    'ND_UNAUTHORIZED',
    'sign in first: send Authorization: Bearer <token> from POST /api/auth/login',
    401,
  ),
  BadCredentials: createError('ND_BAD_CREDENTIALS', 'wrong username or password', 401),
  SignInLocked: createError<[number]>(
    'ND_SIGN_IN_LOCKED',
    '这个账号在当前网络地址连续输错密码，已暂停登录 %d 分钟。请稍后再试，或请管理员在"登录锁定"中解除。',
    429,
  ),
  Forbidden: createError<[string]>('ND_FORBIDDEN', '%s', 403),
  NotYourTicket: createError<[string]>('ND_NOT_YOUR_TICKET', 'ticket %s is assigned to another agent', 403),
  NoSuchAgent: createError<[string]>(
    'ND_AGENT_NOT_FOUND',
    '不能转给 %s：没有这个账号，或账号已停用。请从同事列表（GET /api/agent/agents）中选择。',
    422,
  ),
  TicketConflict: createError<[string, string]>(
    'ND_TICKET_CONFLICT',
    'ticket %s is %s: someone else changed it first; reload the queue',
    409,
  ),
  AccountInvalid: createError<[string]>('ND_ACCOUNT_INVALID', '%s', 400),
  KnowledgeInvalid: createError<[string]>('ND_KNOWLEDGE_INVALID', '%s', 422),
  /** An admin's upload over its size limit; the message (Chinese) says the limit and what to do. */
  ImportTooLarge: createError<[number]>(
    'ND_IMPORT_TOO_LARGE',
    '导入的内容太大（上限 %d KB）。请分几次导入，或先删去重复、不用的内容再导入。',
    413,
  ),
  /** A step that would undo much of the admins' work is done only when they confirm it. */
  ConfirmationRequired: createError<[string]>('ND_CONFIRMATION_REQUIRED', '%s', 409),
  /** A request on the WeChat callback that WeChat did not sign with the account's token. */
  WechatSignature: createError(
    'ND_WECHAT_SIGNATURE',
    'the signature does not match WECHAT_OA_TOKEN: only WeChat, with the token set on the platform, calls this URL',
    401,
  ),
  InvalidXml: createError<[string]>('ND_INVALID_XML', 'the body is not a WeChat message: %s', 400),
  /**
   * An agent's reply to an official-account patient whose last message is more than 48 hours old:
   * WeChat no longer lets the account write to them, so the reply is refused rather than lost.
   */
  PatientUnreachable: createError(
    'ND_PATIENT_UNREACHABLE',
    '这位患者通过微信公众号咨询，最后一条消息已超过48小时，微信不再允许公众号给他发消息，这条回复无法送达。' +
      '请给患者回电话（工单里有回电号码时按号码拨打），并在工单中记下结果。',
    409,
  ),
  UnsupportedMediaType: createError('ND_UNSUPPORTED_MEDIA_TYPE', 'send the body as application/json', 415),
  InvalidJson: createError(
    'ND_INVALID_JSON',
    'the body is not valid JSON; send {"sessionId": "...", "text": "..."}',
    400,
  ),
  /** A refusal of Fastify's or a plugin's that has no code of ours: its own message and status. */
  BadRequest: createError<[string]>('ND_BAD_REQUEST', '%s', 400),
  StorageUnavailable: createError(
    'ND_STORAGE_UNAVAILABLE',
    'shared storage (Redis) is not answering; patients are still answered and handoffs kept, ' +
      'please retry in a few seconds',
    503,
  ),
  Internal: createError(
    'ND_INTERNAL',
    'something went wrong on our side; please try again, or call the hospital',
    500,
  ),
}

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown }
}

/** What the error map needs to know of the request: the limits its body was held to. */
export interface ErrorContext {
  bodyLimit: number
  /** An admin upload's own limit (route config `importLimit`), said in the admins' words. */
  importLimit?: number | undefined
}

type WithDetails = FastifyError & { details?: unknown }

/**
 * The one map from whatever went wrong to what the client is told: domain errors, storage outages and
 * Fastify's own refusals become our stable codes; anything else on a 5xx hides its internals.
 */
export function httpError(err: FastifyError, ctx: ErrorContext): WithDetails {
  if (isStorageOutage(err)) return new Errors.StorageUnavailable()
  if (err.validation) return invalidRequest(err.validation)
  if (err instanceof TicketNotFoundError) return new Errors.TicketNotFound(err.ticketId)
  if (err instanceof TicketConflictError) return new Errors.TicketConflict(err.ticketId, err.status)
  if (err instanceof NotYourTicketError) return new Errors.NotYourTicket(err.ticketId)
  if (err instanceof NoSuchAgentError) return new Errors.NoSuchAgent(err.agentId)
  if (err instanceof PatientUnreachableError) return new Errors.PatientUnreachable()
  if (err instanceof AccountError) return new Errors.AccountInvalid(err.message)
  if (err instanceof KnowledgeError || err instanceof KnowledgeInvalidError) {
    const { problems } = err
    const invalid = new Errors.KnowledgeInvalid(
      `${problems.length} problem(s): ${problems.slice(0, 3).join('; ')}`,
    ) as WithDetails
    invalid.details = problems
    return invalid
  }
  if (err instanceof RemovalNotConfirmedError) {
    const { removed, total } = err
    return new Errors.ConfirmationRequired(
      `这次发布会删去线上 ${total} 个意图中的 ${removed.length} 个（${removed.slice(0, 5).join('、')}` +
        `${removed.length > 5 ? ' 等' : ''}），超过一半，机器人将答不上这些问题。` +
        '请先核对草稿；确实要这样发布，请确认后再发布（API：confirmRemovals: true）。',
    )
  }
  // Ours, made with Errors above (AccountError's codes name the problem, not a status: mapped above).
  if (err.code?.startsWith('ND_') && err.statusCode) return err
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return ctx.importLimit
        ? new Errors.ImportTooLarge(Math.floor(ctx.importLimit / 1024))
        : new Errors.BodyTooLarge(ctx.bodyLimit)
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new Errors.UnsupportedMediaType()
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new Errors.InvalidJson()
  }
  const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500
  if (status >= 500) return new Errors.Internal()
  const refused = new Errors.BadRequest(err.message)
  refused.statusCode = status
  return refused
}

/** The body the client gets for an error from httpError. */
export function errorBody(err: WithDetails): ErrorBody {
  const { code, message, details } = err
  return { error: { code, message, ...(details ? { details } : {}) } }
}

function invalidRequest(validation: NonNullable<FastifyError['validation']>): WithDetails {
  const details = validation.map((v) => ({
    field:
      (v.instancePath || '/').replace(/^\//, '').replace(/\//g, '.') ||
      (v.params as { missingProperty?: string })?.missingProperty ||
      'body',
    problem: v.message,
  }))
  const problems = details.map((d) => `${d.field} ${d.problem}`).join('; ')
  const err = new Errors.InvalidRequest(
    `invalid request: ${problems}. Expected {"sessionId": 1-128 chars, "text": 1-2000 chars}`,
  ) as WithDetails
  err.details = details
  return err
}
