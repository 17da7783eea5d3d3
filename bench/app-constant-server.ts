// NightDesk's whole app (every plugin and hook, storage opened) with one more route that answers a
// constant reply: the cost of the app's HTTP stack before any bot work or storage write.
import { buildApp } from '../src/app.js'
import { loadConfig } from '../src/config.js'
import { ChatRequest, ChatResponse } from '../src/schemas/chat.js'
import { CONSTANT_REPLY } from './constant-reply.js'

const app = await buildApp(loadConfig(process.env))
app.post(
  '/bench/constant',
  { schema: { body: ChatRequest, response: { 200: ChatResponse } } },
  async () => CONSTANT_REPLY,
)
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT) })
process.on('SIGTERM', () => {
  void app.close().then(() => process.exit(0))
})
