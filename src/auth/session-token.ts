import { createHmac, timingSafeEqual } from 'node:crypto'

/**
 * A patient's proof that a conversation is theirs: HMAC-SHA256 of the session id under a secret only
 * the servers know. Reading history or agent messages needs it, so knowing (or guessing) a session id
 * is not enough to read someone else's conversation.
 */
export class SessionTokens {
  constructor(private readonly secret: string) {}

  issue(sessionId: string): string {
    return createHmac('sha256', this.secret).update(sessionId).digest('base64url')
  }

  valid(sessionId: string, token: string | undefined): boolean {
    if (!token) return false
    const expected = Buffer.from(this.issue(sessionId))
    const given = Buffer.from(token)
    return given.length === expected.length && timingSafeEqual(given, expected)
  }
}
