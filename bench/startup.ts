import { setTimeout as delay } from 'node:timers/promises'
import { once } from 'node:events'
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

/**
 * Milliseconds from spawning `node dist/src/server.js` to the first 200 from /healthz: a first start
 * on an empty data directory, or, given `dataDir`, a restart on one a previous run left.
 */
export async function benchStartup(
  root: string,
  port: number,
  extraEnv: Record<string, string> = {},
  reuse?: { dataDir: string },
): Promise<number> {
  const dataDir = reuse?.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'nd-bench-start-'))
  const t0 = performance.now()
  // On core 0 like every server here, away from this poller on core 1.
  const pinned = existsSync('/usr/bin/taskset') && os.cpus().length > 1
  const script = path.join(root, 'dist/src/server.js')
  const child = spawn(
    pinned ? '/usr/bin/taskset' : process.execPath,
    pinned ? ['-c', '0', process.execPath, script] : [script],
    {
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        DATA_DIR: dataDir,
        LOG_LEVEL: 'warn',
        ...extraEnv,
      },
      stdio: 'ignore',
    },
  )
  try {
    const deadline = t0 + 30_000
    while (performance.now() < deadline) {
      try {
        const r = await fetch(`http://127.0.0.1:${port}/healthz`)
        if (r.ok) return performance.now() - t0
      } catch {
        /* not listening yet */
      }
      await delay(20)
    }
    throw new Error('server did not become healthy within 30 s')
  } finally {
    child.kill('SIGTERM')
    await once(child, 'exit')
    if (!reuse) rmSync(dataDir, { recursive: true, force: true })
  }
}
