import { buildApp } from './app.js'
import { loadConfig } from './config.js'

/** Entry point: config from the environment, listen, and close gracefully on SIGTERM/SIGINT. */
const config = loadConfig(process.env)
const app = await buildApp(config)
let closing = false
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, async () => {
    if (closing) return
    closing = true
    app.log.info({ signal }, 'shutting down')
    await app.close()
    process.exit(0)
  })
}
// A crash is logged as a line of the log, not only as a stack on stderr, and exits at once (the
// state after an unexpected error cannot be trusted); the log is written synchronously, so the line
// is out before the process ends.
for (const event of ['uncaughtException', 'unhandledRejection'] as const) {
  process.on(event, (err) => {
    app.log.fatal({ err, event }, 'crashed')
    process.exit(1)
  })
}
try {
  await app.listen({ host: config.host, port: config.port })
} catch (err) {
  app.log.fatal({ err }, 'could not start')
  process.exit(1)
}
