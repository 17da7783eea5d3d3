import { randomUUID } from 'node:crypto'
import type { FastifyPluginAsync } from 'fastify'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import type { WebSocket, WebSocketServer } from 'ws'
import { WsClientMessage } from '../schemas/ws.js'
import { sessionWait } from './session-limit.js'

const checkMessage = TypeCompiler.Compile(WsClientMessage)
/** A widget that says nothing for this long is closed (it reconnects when the patient comes back). */
export const WS_IDLE_MS = 30 * 60_000
/** Pings find dead peers (a phone that lost its network) so their sockets do not pile up. */
const WS_PING_MS = 30_000
const SESSION_ID = /^.{1,128}$/su

/**
 * The web widget's channel: the same handleMessage() as POST /api/chat over one WebSocket per patient.
 * Handlers are attached synchronously so no early frame is lost.
 */
/** Messages being answered on WebSockets, so a shutdown can answer them before closing. */
export interface WsDrain {
  answering: Set<Promise<unknown>>
  draining: boolean
}

export function wsDrain(): WsDrain {
  return { answering: new Set(), draining: false }
}

/**
 * Graceful shutdown of the widget's sockets (the @fastify/websocket preClose): messages already
 * received are answered, new ones are refused with a clear error, then every socket is closed with
 * 1001 "going away" so the widget reconnects to another instance (or this one when it is back).
 */
export async function drainWebSockets(server: WebSocketServer, drain: WsDrain): Promise<void> {
  drain.draining = true
  while (drain.answering.size) await Promise.allSettled([...drain.answering])
  for (const client of server.clients) client.close(1001, 'server restarting')
  await new Promise<void>((resolve) => server.close(() => resolve()))
}

const wsChatRoutes: FastifyPluginAsync<{ perSession?: number; drain?: WsDrain }> = async (
  app,
  { perSession, drain = wsDrain() },
) => {
  app.get('/ws', { websocket: true, schema: { hide: true } }, (socket: WebSocket, req) => {
    const asked = (req.query as { sessionId?: string }).sessionId
    const sessionId = asked && SESSION_ID.test(asked) ? asked : randomUUID()
    const send = (payload: unknown) => {
      if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(payload))
    }
    const fail = (code: string, message: string, id?: string) =>
      send({ type: 'error', ...(id ? { id } : {}), error: { code, message } })

    let lastHeard = Date.now()
    let alive = true
    socket.on('pong', () => {
      alive = true
    })
    const heartbeat = setInterval(() => {
      if (!alive || Date.now() - lastHeard > WS_IDLE_MS) {
        socket.terminate()
        return
      }
      alive = false
      socket.ping()
    }, WS_PING_MS)
    heartbeat.unref()
    socket.on('close', () => clearInterval(heartbeat))

    // A person's replies and handoff notices reach the patient on this connection as they happen.
    const off = app.stores.events.subscribe(`session:${sessionId}`, (event) => send(event))
    socket.on('close', () => {
      off.then((stop) => stop()).catch((err) => req.log.warn({ err }, 'unsubscribe failed'))
    })

    socket.on('message', async (data, isBinary) => {
      lastHeard = Date.now()
      let msg: unknown
      try {
        msg = JSON.parse(isBinary ? '' : String(data))
      } catch {
        return fail(
          'ND_INVALID_JSON',
          'each frame must be a JSON object such as {"type":"message","text":"心内科在几楼"}',
        )
      }
      if (!checkMessage.Check(msg)) {
        return fail(
          'ND_INVALID_REQUEST',
          'expected {"type":"message","text": 1-2000 characters} or {"type":"ping"}',
        )
      }
      if (msg.type === 'ping') return send({ type: 'pong' })
      if (drain.draining) {
        return fail(
          'ND_SHUTTING_DOWN',
          'the server is restarting: this message was not received, please send it again in a few seconds',
          msg.id,
        )
      }
      if (!msg.text.trim()) return fail('ND_EMPTY_TEXT', 'text is empty', msg.id)
      const answer = (async () => {
        try {
          // Counted inside the answer, so a drain that starts meanwhile still waits for this message.
          const wait = perSession ? await sessionWait(app.stores, sessionId, perSession) : 0
          if (wait) {
            return fail(
              'ND_RATE_LIMITED',
              `too many messages; please wait ${Math.ceil(wait / 1000)} seconds and try again`,
              msg.id,
            )
          }
          const result = await app.bot.handleMessage({
            sessionId,
            text: msg.text,
            channel: 'web',
            ...(msg.now ? { now: new Date(msg.now) } : {}),
            ...(msg.lang ? { lang: msg.lang } : {}),
          })
          send({ type: 'reply', ...(msg.id ? { id: msg.id } : {}), ...result })
        } catch (err) {
          req.log.error({ err }, 'ws message failed')
          fail(
            'ND_INTERNAL',
            'something went wrong on our side; please try again, or call the hospital',
            msg.id,
          )
        }
      })()
      drain.answering.add(answer)
      try {
        await answer
      } finally {
        drain.answering.delete(answer)
      }
    })
    send({ type: 'ready', sessionId, sessionToken: app.sessionTokens.issue(sessionId) })
  })
}

export default wsChatRoutes
