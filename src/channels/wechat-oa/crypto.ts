import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto'

/**
 * WeChat's callback signatures and its message encryption ("safe" and "compatible" modes), as the
 * Official Accounts Platform documents them (消息加解密技术方案).
 */

/** sha1 of the parts sorted as strings and joined: `signature` (token, timestamp, nonce) and
 * `msg_signature` (the same and the Encrypt field). */
export function wechatSignature(...parts: string[]): string {
  return createHash('sha1')
    .update([...parts].sort().join(''))
    .digest('hex')
}

/** Compared in constant time, so the expected signature cannot be learnt a byte at a time. */
export function signatureMatches(given: string | undefined, ...parts: string[]): boolean {
  if (!given) return false
  const expected = Buffer.from(wechatSignature(...parts))
  const actual = Buffer.from(given.toLowerCase())
  return actual.length === expected.length && timingSafeEqual(actual, expected)
}

export class DecryptError extends Error {}

// PKCS#7 to a multiple of 32 bytes (not AES's 16): WeChat's choice, so Node's own padding is off.
const BLOCK = 32

/**
 * AES-256-CBC with the key decoded from the 43-character EncodingAESKey and its first 16 bytes as IV.
 * The plaintext is 16 random bytes, the message's length (4 bytes, big-endian), the message, and the
 * account's app id, which decrypting checks: a message for another account is refused.
 */
export class MessageCipher {
  private readonly key: Buffer
  private readonly iv: Buffer

  constructor(
    encodingAesKey: string,
    private readonly appId: string,
  ) {
    this.key = Buffer.from(`${encodingAesKey}=`, 'base64')
    if (this.key.length !== 32) throw new Error('the EncodingAESKey must decode to 32 bytes')
    this.iv = this.key.subarray(0, 16)
  }

  encrypt(xml: string): string {
    const message = Buffer.from(xml)
    const length = Buffer.alloc(4)
    length.writeUInt32BE(message.length)
    const plain = Buffer.concat([randomBytes(16), length, message, Buffer.from(this.appId)])
    const pad = BLOCK - (plain.length % BLOCK)
    const cipher = createCipheriv('aes-256-cbc', this.key, this.iv).setAutoPadding(false)
    return Buffer.concat([
      cipher.update(Buffer.concat([plain, Buffer.alloc(pad, pad)])),
      cipher.final(),
    ]).toString('base64')
  }

  decrypt(encrypted: string): string {
    const data = Buffer.from(encrypted, 'base64')
    if (!data.length || data.length % 16) throw new DecryptError('Encrypt is not AES-CBC ciphertext')
    const decipher = createDecipheriv('aes-256-cbc', this.key, this.iv).setAutoPadding(false)
    const padded = Buffer.concat([decipher.update(data), decipher.final()])
    const pad = padded[padded.length - 1]!
    if (pad < 1 || pad > BLOCK || pad > padded.length) throw new DecryptError('bad padding')
    const plain = padded.subarray(0, padded.length - pad)
    if (plain.length < 20) throw new DecryptError('too short')
    const length = plain.readUInt32BE(16)
    if (20 + length > plain.length) throw new DecryptError('bad length')
    const appId = plain.subarray(20 + length).toString()
    if (appId !== this.appId) throw new DecryptError(`encrypted for another account (${appId})`)
    return plain.subarray(20, 20 + length).toString()
  }
}
