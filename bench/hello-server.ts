// The baseline: bare Fastify with one JSON route, the same framework and Node as the bot. It also
// answers POST /api/chat with the chat API's own schemas and a constant reply: what a POST with a
// validated body and a serialised reply costs before any bot work.
import Fastify from 'fastify'
import { ChatRequest, ChatResponse } from '../src/schemas/chat.js'
import { CONSTANT_REPLY } from './constant-reply.js'

const app = Fastify()
app.get('/hello', async () => ({ hello: 'world' }))
app.post(
  '/api/chat',
  { schema: { body: ChatRequest, response: { 200: ChatResponse } } },
  async () => CONSTANT_REPLY,
)
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT) })
process.on('SIGTERM', () => {
  void app.close().then(() => process.exit(0))
})
