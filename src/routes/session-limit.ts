import type { Stores } from '../storage/types.js'

/**
 * Per-conversation message limit (a person types a few messages a minute; a script does not), kept
 * beside the per-IP limit because one hospital Wi-Fi or WeChat gateway puts many patients on one IP.
 * Counted by the storage: with Redis, every instance counts the same conversation together.
 * Returns the milliseconds to wait, or 0 when the message may go through: also when storage cannot
 * count, as the per-IP limit does, since refusing what may be an emergency is worse than a burst.
 */
export function sessionWait(stores: Stores, sessionId: string, perMinute: number): Promise<number> {
  return stores.rates.hit(`chat:${sessionId}`, perMinute, 60_000).catch(() => 0)
}
