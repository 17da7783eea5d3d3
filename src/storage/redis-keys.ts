/** Every Redis key NightDesk uses, built in one place under one prefix (several hospitals, one Redis). */
export function redisKeys(prefix = 'nd:') {
  return {
    session: (id: string) => `${prefix}session:${id}`,
    ticket: (id: string) => `${prefix}ticket:${id}`,
    ticketIndex: () => `${prefix}tickets`,
    transcript: (sessionId: string) => `${prefix}transcript:${sessionId}`,
  }
}
export type RedisKeys = ReturnType<typeof redisKeys>
