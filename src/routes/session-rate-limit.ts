/**
 * Per-conversation message limit (a person types a few messages a minute; a script does not), kept
 * beside the per-IP limit because one hospital Wi-Fi or WeChat gateway puts many patients on one IP.
 */
export class SessionRateLimiter {
  private readonly hits = new Map<string, number[]>()
  private lastSweep = Date.now()

  constructor(private readonly max: number, private readonly windowMs: number) {}

  /** Milliseconds to wait, or 0 when the message may go through. */
  hit(key: string, now = Date.now()): number {
    this.sweep(now)
    const recent = (this.hits.get(key) ?? []).filter((t) => now - t < this.windowMs)
    if (recent.length >= this.max) { this.hits.set(key, recent); return this.windowMs - (now - recent[0]!) }
    recent.push(now)
    this.hits.set(key, recent)
    return 0
  }

  private sweep(now: number): void {
    if (now - this.lastSweep < this.windowMs) return
    this.lastSweep = now
    for (const [k, times] of this.hits) if (!times.some((t) => now - t < this.windowMs)) this.hits.delete(k)
  }
}
