/** Every Redis key NightDesk uses, built in one place under one prefix (several hospitals, one Redis). */
export function redisKeys(prefix = 'nd:') {
  return {
    session: (id: string) => `${prefix}session:${id}`,
    ticket: (id: string) => `${prefix}ticket:${id}`,
    ticketIndex: () => `${prefix}tickets`,
    transcript: (sessionId: string) => `${prefix}transcript:${sessionId}`,
    agent: (id: string) => `${prefix}agent:${id}`,
    agentIndex: () => `${prefix}agents`,
    agentByUsername: () => `${prefix}agents:by-username`,
    token: (hash: string) => `${prefix}token:${hash}`,
    presence: () => `${prefix}presence`,
    topic: (name: string) => `${prefix}events:${name}`,
    kbCounter: () => `${prefix}kb:counter`,
    kbVersion: (n: number) => `${prefix}kb:version:${n}`,
    kbVersions: () => `${prefix}kb:versions`,
    kbDraft: () => `${prefix}kb:draft`,
    audit: () => `${prefix}audit`,
    secret: () => `${prefix}session-secret`,
    rate: (key: string) => `${prefix}rate:${key}`,
    signInFailures: (username: string, ip: string) =>
      `${prefix}sign-in:failures:${encodeURIComponent(username)}:${ip}`,
    lockouts: () => `${prefix}sign-in:lockouts`,
    /** The Official Account's claims on a message or a delivery (one instance handles each). */
    wechatOaClaim: (key: string) => `${prefix}wechat-oa:claim:${key}`,
    wechatOaToken: () => `${prefix}wechat-oa:access-token`,
    wechatOaTokenLock: () => `${prefix}wechat-oa:access-token:lock`,
  }
}
export type RedisKeys = ReturnType<typeof redisKeys>
