import type { Lockout, LockoutPolicy, SignInStore } from './types.js'

const pairKey = (username: string, ip: string) => JSON.stringify([username, ip])
/** Failure lists kept before old ones are swept: guesses across many usernames cannot grow memory. */
const SWEEP_AT = 10_000

/**
 * Failed sign-ins in this process's memory: the embedded store's (one process; a restart lifts the
 * lockouts), and what a Redis-backed instance counts with while Redis is away.
 */
export class MemorySignIns implements SignInStore {
  private readonly failures = new Map<string, { times: number[]; windowMs: number }>()
  private readonly locks = new Map<string, Lockout & { untilMs: number }>()

  async fail(username: string, ip: string, now: number, policy: LockoutPolicy): Promise<number | undefined> {
    if (this.failures.size > SWEEP_AT) this.sweep(now)
    const key = pairKey(username, ip)
    const times = (this.failures.get(key)?.times ?? []).filter((t) => now - t < policy.windowMs)
    times.push(now)
    if (times.length < policy.max) {
      this.failures.set(key, { times, windowMs: policy.windowMs })
      return undefined
    }
    this.failures.delete(key)
    const untilMs = now + policy.lockMs
    this.locks.set(key, { username, ip, until: new Date(untilMs).toISOString(), untilMs })
    return untilMs
  }

  async lockedUntil(username: string, ip: string, now: number): Promise<number | undefined> {
    const lock = this.locks.get(pairKey(username, ip))
    return lock && lock.untilMs > now ? lock.untilMs : undefined
  }

  async clear(username: string, ip: string): Promise<void> {
    this.failures.delete(pairKey(username, ip))
  }

  async lockouts(now: number): Promise<Lockout[]> {
    for (const [key, lock] of this.locks) if (lock.untilMs <= now) this.locks.delete(key)
    return [...this.locks.values()].map(({ untilMs: _u, ...lock }) => lock)
  }

  async lift(username: string, ip?: string): Promise<number> {
    let lifted = 0
    for (const [key, lock] of this.locks) {
      if (lock.username !== username || (ip !== undefined && lock.ip !== ip)) continue
      this.locks.delete(key)
      this.failures.delete(key)
      lifted++
    }
    return lifted
  }

  private sweep(now: number): void {
    for (const [key, f] of this.failures) {
      if (!f.times.some((t) => now - t < f.windowMs)) this.failures.delete(key)
    }
  }
}
