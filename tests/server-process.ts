import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import path from 'node:path'

/** The compiled server (`npm test` builds first), run as a real process for crash and signal tests. */
const server = path.resolve(import.meta.dirname, '../dist/src/server.js')

export const freePort = () => new Promise<number>((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => { const a = s.address(); s.close(() => resolve(typeof a === 'object' && a ? a.port : 0)) })
})

/** Starts the server with `env` on `port` and waits until /healthz answers. */
export async function startServer(env: Record<string, string>, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [server], { env: { ...process.env, PORT: String(port), LOG_LEVEL: 'warn', RATE_LIMIT: 'off', REDIS_URL: '', ...env }, stdio: 'ignore' })
  for (let i = 0; i < 300; i++) {
    try { if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) return child } catch { /* starting */ }
    await new Promise((r) => setTimeout(r, 50))
  }
  child.kill('SIGKILL')
  throw new Error('server did not start (run `npm run build` first)')
}

export const exited = (c: ChildProcess) => new Promise<number | null>((r) => c.once('exit', (code) => r(code)))

export const postChat = async (port: number, sessionId: string, text: string) =>
  (await fetch(`http://127.0.0.1:${port}/api/chat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sessionId, text }) })).json()
