import type { FastifyBaseLogger } from 'fastify'
import type { AgentStore } from '../storage/types.js'
import { createAccount } from './accounts.js'
import { maskUsername } from '../privacy/mask.js'

/**
 * The first admin comes from NIGHTDESK_ADMIN_USERNAME / NIGHTDESK_ADMIN_PASSWORD, only while no admin
 * exists; there is no default password. Later accounts are made by an admin (or scripts/create-user).
 */
export async function ensureFirstAdmin(
  store: AgentStore,
  admin: { username?: string; password?: string },
  log: FastifyBaseLogger,
): Promise<void> {
  const hasAdmin = (await store.list()).some((a) => a.role === 'admin')
  if (hasAdmin) return
  if (!admin.username || !admin.password) {
    log.warn(
      'no admin account yet: set NIGHTDESK_ADMIN_USERNAME and NIGHTDESK_ADMIN_PASSWORD, ' +
        'or run `node dist/scripts/create-user.js`',
    )
    return
  }
  const created = await createAccount(store, {
    username: admin.username,
    password: admin.password,
    role: 'admin',
    displayName: admin.username,
  })
  log.info({ username: maskUsername(created.username) }, 'first admin created')
}
