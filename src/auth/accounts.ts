import { randomUUID } from 'node:crypto'
import type { AgentStore, Agent, Role } from '../storage/types.js'
import { hashPassword, hashToken, newToken, passwordProblem, verifyPassword } from './passwords.js'

export class AccountError extends Error {
  constructor(
    readonly code: 'ND_WEAK_PASSWORD' | 'ND_USERNAME_TAKEN' | 'ND_BAD_USERNAME',
    message: string,
  ) {
    super(message)
  }
}

export const TOKEN_TTL_MS = 12 * 3_600_000 // one night shift

export type PublicAgent = Omit<Agent, 'passwordHash'>
export const publicAgent = ({ passwordHash: _hash, ...rest }: Agent): PublicAgent => rest

export async function createAccount(
  store: AgentStore,
  input: { username: string; displayName?: string; password: string; role: Role },
): Promise<PublicAgent> {
  if (!/^[\w.@-]{3,64}$/.test(input.username)) {
    throw new AccountError('ND_BAD_USERNAME', 'username must be 3-64 letters, digits or . _ @ -')
  }
  const weak = passwordProblem(input.password)
  if (weak) throw new AccountError('ND_WEAK_PASSWORD', weak)
  if (await store.byUsername(input.username)) {
    throw new AccountError('ND_USERNAME_TAKEN', `username ${input.username} is taken`)
  }
  const agent: Agent = {
    id: randomUUID(),
    username: input.username,
    displayName: input.displayName || input.username,
    role: input.role,
    passwordHash: await hashPassword(input.password),
    createdAt: new Date().toISOString(),
  }
  await store.create(agent)
  return publicAgent(agent)
}

/** A token for a correct username and password; the same answer for an unknown user and a wrong password. */
export async function signIn(
  store: AgentStore,
  username: string,
  password: string,
  now = Date.now(),
): Promise<{ token: string; expiresAt: string; agent: PublicAgent } | undefined> {
  const agent = await store.byUsername(username)
  // Verify against a dummy hash for unknown users so timing does not reveal which usernames exist.
  const ok = await verifyPassword(password, agent?.passwordHash ?? DUMMY_HASH)
  if (!agent || !ok) return undefined
  const { token, tokenHash } = newToken()
  const expiresAt = new Date(now + TOKEN_TTL_MS).toISOString()
  await store.saveToken({ tokenHash, agentId: agent.id, expiresAt })
  return { token, expiresAt, agent: publicAgent(agent) }
}

export async function agentForToken(
  store: AgentStore,
  token: string,
  now = Date.now(),
): Promise<Agent | undefined> {
  const record = await store.token(hashToken(token))
  if (!record || Date.parse(record.expiresAt) <= now) return undefined
  return store.get(record.agentId)
}

const DUMMY_HASH = 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='
