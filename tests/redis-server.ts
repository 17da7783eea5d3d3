import { setTimeout as delay } from 'node:timers/promises'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { Redis } from 'ioredis'
import { describe } from 'vitest'

/**
 * A redis-server of a test's own (its data on disk, as in production), so the machine's shared Redis
 * is never stopped: for tests that kill Redis or start the bot before it. CI installs redis-server.
 */
// Redis is a server with a clock of its own, as in production: the shifted clock of the test run
// (libfaketime, preloaded into this process's children) is not passed on, and redis-server hangs under it.
const ownClockEnv = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => k !== 'LD_PRELOAD' && !k.startsWith('FAKETIME')),
)
const hasRedisServer = spawnSync('redis-server', ['--version'], { env: ownClockEnv }).status === 0
/** describe() where redis-server can be started; a machine without it skips, CI never does. */
export const runWithRedisServer = hasRedisServer || process.env.CI ? describe : describe.skip

/** A redis-server of the test's own on `port`, its data (append-only file) in `dir`. */
export async function startRedis(port: number, dir: string): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--appendonly',
      'yes',
      '--appendfsync',
      'always',
      '--save',
      '',
    ],
    { stdio: 'ignore', env: ownClockEnv },
  )
  const deadline = Date.now() + 30_000
  while (Date.now() < deadline) {
    const r = new Redis(port, '127.0.0.1', {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    })
    r.on('error', () => undefined)
    try {
      await r.connect()
      await r.ping()
      return child
    } catch {
      await delay(50)
    } finally {
      r.disconnect()
    }
  }
  throw new Error('redis-server did not start within 30 s')
}

export const stop = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    child.once('exit', () => resolve())
    child.kill('SIGKILL')
  })
