import { describe, expect, it } from 'vitest'
import { tempDir } from './helpers.js'
import { exited, freePort, startServer } from './server-process.js'

describe('npm start', () => {
  it('prints its start-up lines while it runs, not only when it stops', async () => {
    const port = await freePort()
    const child = await startServer({ DATA_DIR: tempDir('nd-start-'), LOG_LEVEL: 'info' }, port)
    try {
      await expect.poll(() => child.printed()).toContain('Server listening')
      expect(child.printed()).toContain('storage ready')
    } finally {
      child.kill('SIGTERM')
      await exited(child)
    }
  })
})
