import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import type { SessionOwner } from '../storage/types.js'

/** Tokens of the conversations seen last: a conversation's replies carry the same token until it rotates. */
const ISSUED_KEPT = 10_000

/**
 * A patient's proof that a conversation is theirs: `<nonce>.<HMAC-SHA256(nonce, session id)>` under a
 * secret only the servers know. The nonce is random per conversation (and per rotation), so a
 * session id alone, known or guessed, proves nothing, and a token ends when its conversation rotates.
 */
export class SessionTokens {
  // An HMAC costs ~4 µs, a few percent of a chat request; a conversation sends several messages.
  private readonly issued = new Map<string, string>()

  constructor(private readonly secret: string) {}

  /** A token for a conversation not stored yet: it is bound when the conversation's first message is. */
  mint(sessionId: string): string {
    return this.tokenFor(sessionId, newNonce())
  }

  tokenFor(sessionId: string, nonce: string): string {
    const key = `${nonce}.${sessionId}`
    let token = this.issued.get(key)
    if (token !== undefined) return token
    token = `${nonce}.${this.sign(`${nonce}.${sessionId}`)}`
    this.issued.set(key, token)
    if (this.issued.size > ISSUED_KEPT) this.issued.delete(this.issued.keys().next().value!)
    return token
  }

  /** The nonce of a token this server signed for `sessionId`; undefined for anything else. */
  nonceOf(sessionId: string, token: string | undefined): string | undefined {
    const nonce = token?.slice(0, token.indexOf('.'))
    if (!token || !nonce) return undefined
    const expected =
      this.issued.get(`${nonce}.${sessionId}`) ?? `${nonce}.${this.sign(`${nonce}.${sessionId}`)}`
    return same(token, expected) ? nonce : undefined
  }

  /**
   * Whether `token` proves the conversation stored with `owner`. A conversation stored before tokens
   * had nonces (no owner) is proved by the token it was given then, an HMAC of its id; its next
   * message binds a nonce, and that old token ends.
   */
  proves(sessionId: string, owner: SessionOwner | undefined, token: string | undefined): boolean {
    if (!token) return false
    if (!owner) return same(token, this.sign(sessionId))
    const nonce = this.nonceOf(sessionId, token)
    return nonce !== undefined && (nonce === owner.nonce || nonce === owner.previous)
  }

  private sign(data: string): string {
    return createHmac('sha256', this.secret).update(data).digest('base64url')
  }
}

export function newNonce(): string {
  return randomBytes(16).toString('base64url')
}

/**
 * Ownership after the conversation is handed back to the bot: a new token, so one seen while a person
 * had the conversation (a shared phone, a screenshot for the agent) ends with the patient's next message.
 */
export function rotated(owner: SessionOwner): SessionOwner {
  return { nonce: newNonce(), previous: owner.nonce }
}

/** Constant time whatever the lengths: both sides are hashed to 32 bytes first. */
function same(given: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest()
  return timingSafeEqual(digest(given), digest(expected))
}
