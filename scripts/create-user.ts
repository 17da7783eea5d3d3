/**
 * Creates an agent or admin account in the configured storage (DATA_DIR or REDIS_URL):
 *   NIGHTDESK_PASSWORD='…' node dist/scripts/create-user.js --username nurse.li --role agent [--name 李护士]
 * The password comes from the environment (or standard input), never from the command line, where
 * it would stay in the shell history and the process list.
 */
import { readFileSync } from 'node:fs'
import { AccountError, createAccount } from '../src/auth/accounts.js'
import { loadConfig } from '../src/config.js'
import { openEmbeddedStores } from '../src/storage/embedded.js'
import { openRedisStores } from '../src/storage/redis.js'

const args = process.argv.slice(2)
const opt = (name: string) => {
  const i = args.indexOf(name)
  return i >= 0 ? args[i + 1] : undefined
}
const username = opt('--username')
const role = opt('--role') ?? 'agent'
if (!username || (role !== 'agent' && role !== 'admin')) {
  console.error(
    'usage: NIGHTDESK_PASSWORD=… node dist/scripts/create-user.js --username NAME --role agent|admin [--name 显示名]',
  )
  process.exit(2)
}
const password = process.env.NIGHTDESK_PASSWORD ?? (process.stdin.isTTY ? '' : readFileSync(0, 'utf8').trim())
const config = loadConfig(process.env)
const stores = config.redisUrl
  ? await openRedisStores(config.redisUrl, config.redisPrefix)
  : openEmbeddedStores(config.dataDir)
try {
  const agent = await createAccount(stores.agents, {
    username,
    password,
    role,
    displayName: opt('--name') ?? username,
  })
  console.log(`created ${agent.role} ${agent.username} (${agent.id}) in ${stores.kind} storage`)
} catch (err) {
  console.error(err instanceof AccountError ? `not created: ${err.message}` : err)
  process.exitCode = 1
} finally {
  await stores.close()
}
