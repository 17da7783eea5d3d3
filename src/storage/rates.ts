import type { RateStore } from './types.js'

/**
 * Sliding-window counts in this process's memory: the embedded store's, and what a Redis-backed
 * instance counts with while Redis is away (a limit then holds per instance rather than not at all).
 */
export class MemoryRates implements RateStore {
  private readonly hits = new Map<string, number[]>()
  private lastSweep = Date.now()
  private longest = 0

  async hit(key: string, max: number, windowMs: number): Promise<number> {
    return this.hitNow(key, max, windowMs, Date.now())
  }

  hitNow(key: string, max: number, windowMs: number, now: number): number {
    this.longest = Math.max(this.longest, windowMs)
    this.sweep(now)
    const recent = (this.hits.get(key) ?? []).filter((t) => now - t < windowMs)
    if (recent.length >= max) {
      this.hits.set(key, recent)
      return windowMs - (now - recent[0]!)
    }
    recent.push(now)
    this.hits.set(key, recent)
    return 0
  }

  /** Keys with nothing left in any window are dropped, at most once a window. */
  private sweep(now: number): void {
    if (now - this.lastSweep < this.longest) return
    this.lastSweep = now
    for (const [k, times] of this.hits) if (!times.some((t) => now - t < this.longest)) this.hits.delete(k)
  }
}
