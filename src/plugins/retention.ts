import fp from 'fastify-plugin'
import type { Config } from '../config.js'

const HOUR = 3_600_000

/** Deletes transcripts older than the retention period, at start-up and every hour. */
export default fp<{ config: Config }>(
  async (app, { config }) => {
    const run = async () => {
      const before = new Date(app.clock().getTime() - config.retentionDays * 24 * HOUR)
      const removed = await app.stores.privacy.prune(before)
      if (removed.transcriptEntries || removed.sessions) {
        app.log.info({ ...removed, before: before.toISOString() }, 'retention: old transcripts deleted')
      }
    }
    let timer: NodeJS.Timeout | undefined
    app.addHook('onReady', async () => {
      await run().catch((err) => app.log.error({ err }, 'retention job failed'))
      timer = setInterval(() => {
        run().catch((err) => app.log.error({ err }, 'retention job failed'))
      }, HOUR)
      timer.unref()
    })
    app.addHook('onClose', async () => {
      if (timer) clearInterval(timer)
    })
  },
  { name: 'retention', dependencies: ['stores'] },
)
