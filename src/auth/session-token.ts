import { createHmac, timingSafeEqual } from 'node:crypto'

/** Tokens of the conversations seen last: a conversation's every reply carries the same token. */
const ISSUED_KEPT = 10_000

/**
 * A patient's proof that a conversation is theirs: HMAC-SHA256 of the session id under a secret only
 * the servers know. Reading history or agent messages needs it, so knowing (or guessing) a session id
 * is not enough to read someone else's conversation.
 */
export class SessionTokens {
  // An HMAC costs ~4 µs, a few percent of a chat request; a conversation sends several messages.
  private readonly issued = new Map<string, string>()

  constructor(private readonly secret: string) {}

  issue(sessionId: string): string {
    let token = this.issued.get(sessionId)
    if (token !== undefined) return token
    token = createHmac('sha256', this.secret).update(sessionId).digest('base64url')
    this.issued.set(sessionId, token)
    if (this.issued.size > ISSUED_KEPT) this.issued.delete(this.issued.keys().next().value!)
    return token
  }

  valid(sessionId: string, token: string | undefined): boolean {
    if (!token) return false
    const expected = Buffer.from(this.issue(sessionId))
    const given = Buffer.from(token)
    return given.length === expected.length && timingSafeEqual(given, expected)
  }
}
