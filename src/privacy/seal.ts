import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { maskPii } from './mask.js'

const PREFIX = 'sealed:v1:'
const KEY_FILE = 'data-key'

/**
 * A patient's callback number must reach the agent who calls back, so it cannot be masked like the
 * rest of what Redis stores; it is stored encrypted instead (AES-256-GCM, a random 96-bit IV per
 * value, authenticated: a changed value fails rather than decrypting to another number). The masked
 * number travels beside the ciphertext, so an instance without the key still shows 138****8000.
 */
export class Sealer {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) {
      throw new Error('DATA_KEY must be 32 bytes (64 hex digits or 44 base64 characters)')
    }
  }

  seal(plain: string): string {
    const iv = randomBytes(12)
    const cipher = createCipheriv('aes-256-gcm', this.key, iv)
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()])
    const payload = Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')
    return `${PREFIX}${maskPii(plain)}:${payload}`
  }

  /** The plain value; a value stored before sealing as it is; the masked form when the key is not this one. */
  open(value: string): string {
    if (!value.startsWith(PREFIX)) return value
    const cut = value.lastIndexOf(':')
    const masked = value.slice(PREFIX.length, cut)
    const raw = Buffer.from(value.slice(cut + 1), 'base64url')
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12))
      decipher.setAuthTag(raw.subarray(12, 28))
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8')
    } catch {
      return masked
    }
  }
}

/** A sealed value's masked form, for a reader without a key. */
export const sealedMask = (value: string): string =>
  value.startsWith(PREFIX) ? value.slice(PREFIX.length, value.lastIndexOf(':')) : maskPii(value)

/**
 * DATA_KEY (64 hex digits or base64 of 32 bytes) when set: every instance must have the same one.
 * Unset, a random key is made once and kept in DATA_DIR/data-key (readable by this user only): right
 * for one instance; with several, the others show the masked number, so start-up warns.
 */
export function loadDataKey(
  dataKey: string | undefined,
  dataDir: string,
): { key: Buffer; source: 'DATA_KEY' | 'file' } {
  if (dataKey) {
    return {
      key: Buffer.from(dataKey, /^[0-9a-f]{64}$/i.test(dataKey) ? 'hex' : 'base64'),
      source: 'DATA_KEY',
    }
  }
  const file = path.join(dataDir, KEY_FILE)
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true })
    // 'wx': two processes starting together cannot both write one; the loser reads the winner's key.
    try {
      writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' })
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    }
  }
  return { key: Buffer.from(readFileSync(file, 'utf8').trim(), 'hex'), source: 'file' }
}
