import { once } from 'node:events'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { tempDir } from './helpers.js'
import { freePort, startServer } from './server-process.js'

// Issue 17: logs were lost on a crash. The server runs as a real process; a preloaded fixture makes
// it throw an uncaught exception on SIGUSR2.
const crashOnSignal = path.resolve(import.meta.dirname, 'fixtures/crash-on-signal.mjs')
const lines = (printed: string) =>
  printed
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { level: number; msg: string; url?: string; err?: { message: string } })

describe('the log when the server stops', () => {
  it('logs a crash as a line of its log, after every line before it, and exits with 1', async () => {
    const port = await freePort()
    const child = await startServer(
      { DATA_DIR: tempDir('nd-crash-log-'), LOG_LEVEL: 'info', NODE_OPTIONS: `--import ${crashOnSignal}` },
      port,
    )
    expect((await fetch(`http://127.0.0.1:${port}/nowhere/13812345678`)).status).toBe(404)
    const closed = once(child, 'close')
    child.kill('SIGUSR2')
    expect((await closed)[0]).toBe(1)
    const log = lines(child.printed())
    expect(log.at(-1)).toMatchObject({ level: 60, msg: 'crashed', err: { message: 'crash for the test' } })
    expect(log).toContainEqual(
      expect.objectContaining({ msg: 'request failed', url: '/nowhere/138****5678' }),
    )
  })

  it('writes its last line when it stops on SIGTERM, and exits with 0', async () => {
    const port = await freePort()
    const child = await startServer({ DATA_DIR: tempDir('nd-stop-log-'), LOG_LEVEL: 'info' }, port)
    const closed = once(child, 'close')
    child.kill('SIGTERM')
    expect((await closed)[0]).toBe(0)
    expect(lines(child.printed()).map((l) => l.msg)).toContain('shutting down')
  })
})
