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
/**
 * Consoles listen here: a token signed out, or every token of an account revoked or deactivated,
 * closes the sockets opened with it on every instance.
 */
export const AUTH_TOPIC = 'auth'
export type AuthEvent = { type: 'revoked'; tokenHash: string } | { type: 'revoked'; agentId: string }

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
  // A deactivated account gets the answer a wrong password gets: nothing to learn from it.
  if (!agent || !ok || agent.deactivatedAt) return undefined
  const { token, tokenHash } = newToken()
  const expiresAt = new Date(now + TOKEN_TTL_MS).toISOString()
  await store.saveToken({ tokenHash, agentId: agent.id, expiresAt, generation: agent.tokenGeneration ?? 0 })
  return { token, expiresAt, agent: publicAgent(agent) }
}

/** A signed-in staff member: the account, the token's hash and when it expires (ms). */
export interface StaffSession {
  agent: Agent
  tokenHash: string
  expiresAt: number
}

/** The session a token stands for, if it is unexpired, not revoked and its account active. */
export async function staffSession(
  store: AgentStore,
  token: string,
  now = Date.now(),
): Promise<StaffSession | undefined> {
  const tokenHash = hashToken(token)
  const record = await store.token(tokenHash)
  const expiresAt = record ? Date.parse(record.expiresAt) : 0
  if (!record || expiresAt <= now) return undefined
  const agent = await store.get(record.agentId)
  if (!agent || agent.deactivatedAt || (record.generation ?? 0) !== (agent.tokenGeneration ?? 0)) {
    return undefined
  }
  return { agent, tokenHash, expiresAt }
}

export async function agentForToken(
  store: AgentStore,
  token: string,
  now = Date.now(),
): Promise<Agent | undefined> {
  return (await staffSession(store, token, now))?.agent
}

/** Every token of the account stops working at once (its consoles are told on AUTH_TOPIC). */
export async function revokeAllTokens(store: AgentStore, agent: Agent): Promise<Agent> {
  const next = { ...agent, tokenGeneration: (agent.tokenGeneration ?? 0) + 1 }
  await store.update(next)
  return next
}

const DUMMY_HASH = 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='
