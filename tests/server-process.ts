import { once } from 'node:events'
import { setTimeout as delay } from 'node:timers/promises'
import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import path from 'node:path'
import { sharedTrainingDir, type ChatBody } from './helpers.js'

/** The compiled server (`npm test` builds first), run as a real process for crash and signal tests. */
const server = path.resolve(import.meta.dirname, '../dist/src/server.js')

export const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const a = s.address()
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0))
    })
  })

/** Starts the server with `env` on `port` and waits (up to a minute) until /healthz answers. */
export async function startServer(env: Record<string, string>, port: number): Promise<ServerProcess> {
  const child = spawn(process.execPath, [server], {
    env: {
      ...process.env,
      PORT: String(port),
      LOG_LEVEL: 'warn',
      RATE_LIMIT: 'off',
      REDIS_URL: '',
      TRAINING_DIR: sharedTrainingDir,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'ignore'],
  })
  const output: string[] = []
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => output.push(chunk))
  const started = Object.assign(child, { printed: () => output.join('') })
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) return started
    } catch {
      /* starting */
    }
    await delay(50)
  }
  child.kill('SIGKILL')
  throw new Error('server did not start within a minute (run `npm run build` first)')
}

/** A server process and what it has printed so far. */
export type ServerProcess = ChildProcess & { printed: () => string }

export const exited = (c: ChildProcess) => once(c, 'exit').then(([code]) => code as number | null)

/** A message; a later one of its conversation shows the token of the latest reply. */
export const postChat = async (
  port: number,
  sessionId: string,
  text: string,
  token?: string,
): Promise<ChatBody> =>
  (
    await fetch(`http://127.0.0.1:${port}/api/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { 'x-session-token': token } : {}) },
      body: JSON.stringify({ sessionId, text }),
    })
  ).json()
