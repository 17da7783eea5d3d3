import { randomBytes } from 'node:crypto'
import type { ServiceLevels } from '../handoff/service-levels.js'
import type { Stores, Ticket } from '../storage/types.js'

const DIGITS: Record<string, number> = { 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5 }

/** "5", "5分", "４星", "五分" → 5; anything else is not a rating. */
export function parseRating(text: string): number | undefined {
  const m = /^\s*([1-5一二两三四五])\s*(?:分|星|颗星)?\s*[!！.。]?\s*$/u.exec(text.normalize('NFKC'))
  if (!m) return undefined
  return DIGITS[m[1]!] ?? Number(m[1])
}

export interface RatingOutcome {
  followUp?: { owner: string; hours: number; ticketId: string }
  goodExample: boolean
}

/**
 * What the hospital's rules do with a rating: the rated ticket keeps it; a low one opens a follow-up
 * ticket for the person who must call back (office director, service specialist); a high one marks
 * the conversation as a good example for the department.
 */
export async function applyRating(
  stores: Stores,
  levels: ServiceLevels,
  rating: number,
  ctx: { sessionId: string; channel: string; ticketId?: string; at: Date },
): Promise<RatingOutcome> {
  const rule = levels.satisfaction.find((r) => r.ratings.includes(rating))
  const at = ctx.at.toISOString()
  if (ctx.ticketId) {
    const rated = await stores.tickets.get(ctx.ticketId)
    if (rated) {
      await stores.tickets.update(ctx.ticketId, {
        rating,
        detail: { ...rated.detail, ...(rule?.goodExample ? { goodExample: 1 } : {}) },
        updatedAt: at,
      })
    }
  }
  await stores.transcripts.append(ctx.sessionId, [{ at, role: 'system', text: `满意度评分：${rating}` }])
  if (!rule?.followUp) return { goodExample: !!rule?.goodExample }
  const followUp: Ticket = {
    id: `F${Date.now().toString(36).toUpperCase()}${randomBytes(3).toString('hex').toUpperCase()}`,
    sessionId: ctx.sessionId,
    channel: ctx.channel,
    reason: 'satisfaction_follow_up',
    priority: rule.followUp.priority,
    status: 'queued',
    detail: { rating, ...(ctx.ticketId ? { ratedTicket: ctx.ticketId } : {}) },
    owner: rule.followUp.owner,
    dueAt: new Date(ctx.at.getTime() + rule.followUp.hours * 3_600_000).toISOString(),
    createdAt: at,
    updatedAt: at,
  }
  await stores.tickets.create(followUp)
  await stores.events.publish('queue', { type: 'ticket', action: 'follow_up', ticket: followUp })
  return {
    followUp: { owner: rule.followUp.owner, hours: rule.followUp.hours, ticketId: followUp.id },
    goodExample: false,
  }
}
