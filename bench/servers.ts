import { setTimeout as delay } from 'node:timers/promises'
import { once } from 'node:events'
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

// Linux's USER_HZ: /proc/<pid>/stat counts CPU time in hundredths of a second.
const CLOCK_TICKS = 100

export interface Server {
  url: string
  child: ChildProcess
  rssMiB(): number
  cpuMs(): number
  stop(): Promise<void>
}

/** A server in its own process, pinned to core 0 when taskset exists (the load generator gets core 1). */
export async function startServer(
  script: string,
  port: number,
  env: Record<string, string> = {},
  languageCount = 0,
): Promise<Server> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'nd-bench-'))
  const pinned = existsSync('/usr/bin/taskset') && os.cpus().length > 1
  const args = pinned ? ['-c', '0', process.execPath, script] : [script]
  const child = spawn(pinned ? '/usr/bin/taskset' : process.execPath, args, {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      RATE_LIMIT: 'off',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 30_000
  for (;;) {
    // Healthy and every language trained: background training must not weigh on the measurements.
    try {
      const health = (await (await fetch(`${url}/healthz`)).json()) as { languages?: string[] }
      if ((health.languages?.length ?? 0) >= languageCount) break
    } catch {
      /* starting */
    }
    if (Date.now() > deadline) throw new Error(`${script} did not start`)
    await delay(50)
  }
  return {
    url,
    child,
    rssMiB() {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8')
      return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024
    },
    /** CPU time the server process has used so far (user + system), from /proc. */
    cpuMs() {
      const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
      return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS
    },
    async stop() {
      child.kill('SIGTERM')
      await once(child, 'exit')
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}
