import { randomUUID } from 'node:crypto'
import type { FastifyError, FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify'
import { Errors } from '../errors.js'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import type { RawData, WebSocket, WebSocketServer } from 'ws'
import { WsClientMessage } from '../schemas/ws.js'
import { publicClient, type ClientCaps } from './public-client.js'
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

/** The per-IP limit of @fastify/rate-limit (its store and key), applied to each frame. */
type PerIpLimit = FastifyInstance['createRateLimit'] extends (...args: never[]) => infer L ? L : never

const wsChatRoutes: FastifyPluginAsync<{
  perSession?: number
  caps?: ClientCaps
  perIp?: PerIpLimit
  socketsPerIp?: number
  drain?: WsDrain
}> = async (app, { perSession, caps, perIp, socketsPerIp, drain = wsDrain() }) => {
  // Open widget sockets per client IP on this instance.
  const openSockets = new Map<string, number>()
  // Over the cap the upgrade is refused with 429 before a socket exists (the widget falls back to HTTP).
  const preValidation = async (req: FastifyRequest) => {
    if (socketsPerIp && (openSockets.get(req.ip) ?? 0) >= socketsPerIp) throw new Errors.TooManyConnections()
  }
  app.get('/ws', { websocket: true, schema: { hide: true }, preValidation }, (socket: WebSocket, req) => {
    const query = req.query as { sessionId?: string; token?: string }
    const sessionId = query.sessionId && SESSION_ID.test(query.sessionId) ? query.sessionId : randomUUID()
    const send = (payload: unknown) => {
      if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(payload))
    }
    const fail = (code: string, message: string, id?: string) =>
      send({ type: 'error', ...(id ? { id } : {}), error: { code, message } })

    if (socketsPerIp) {
      openSockets.set(req.ip, (openSockets.get(req.ip) ?? 0) + 1)
      socket.on('close', () => {
        const left = (openSockets.get(req.ip) ?? 1) - 1
        if (left > 0) openSockets.set(req.ip, left)
        else openSockets.delete(req.ip)
      })
    }

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

    // The token this socket shows for its conversation: ?token=, an {"type":"auth"} frame (which keeps
    // it out of URLs and proxy logs), or the latest one a reply gave it. Every message is checked
    // against the stored conversation by the bot; this only decides what the socket may hear.
    let token = query.token
    // A person's replies and handoff notices reach the patient on this connection as they happen, once
    // the socket has proved the conversation is its own (or started it).
    let off: Promise<() => Promise<void>> | undefined
    const listen = () => {
      off ??= app.stores.events.subscribe(`session:${sessionId}`, (event) => send(event))
    }
    socket.on('close', () => {
      off?.then((stop) => stop()).catch((err) => req.log.warn({ err }, 'unsubscribe failed'))
    })
    /** Sends "ready", with the conversation's token when the socket proved it or the conversation is new. */
    const greet = async () => {
      const record = await app.stores.sessions.get(sessionId).catch(() => undefined)
      if (!record) {
        // Bound to the conversation by its first message; until then it proves nothing.
        if (app.sessionTokens.nonceOf(sessionId, token) === undefined) {
          token = app.sessionTokens.mint(sessionId)
        }
        return send({ type: 'ready', sessionId, sessionToken: token })
      }
      if (!app.sessionTokens.proves(sessionId, record.owner, token)) return send({ type: 'ready', sessionId })
      if (record.owner) token = app.sessionTokens.tokenFor(sessionId, record.owner.nonce)
      listen()
      send({ type: 'ready', sessionId, sessionToken: token })
    }

    // Each frame counts against the per-IP limit, in the order frames came. While over it, frames are
    // dropped unanswered: a flood gets one error per wait, not an answer per frame.
    let limitedUntil = 0
    let counted = Promise.resolve(true)
    const admit = async () => {
      if (!perIp || Date.now() < limitedUntil) return !perIp
      const verdict = await perIp(req)
      if (verdict.isAllowed || !verdict.isExceeded) return true
      limitedUntil = Date.now() + verdict.ttl
      fail('ND_RATE_LIMITED', `too many messages; please wait ${verdict.ttlInSeconds} seconds and try again`)
      return false
    }
    socket.on('message', (data, isBinary) => {
      lastHeard = Date.now()
      counted = counted.then(admit, () => false)
      counted
        .then(async (admitted) => {
          if (admitted) await onFrame(data, isBinary)
        })
        .catch((err: unknown) => req.log.error({ err }, 'ws frame failed'))
    })
    const onFrame = async (data: RawData, isBinary: boolean) => {
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
          'expected {"type":"message","text": 1-2000 characters}, {"type":"auth","token":"…"} or {"type":"ping"}',
        )
      }
      if (msg.type === 'ping') return send({ type: 'pong' })
      if (msg.type === 'auth') {
        token = msg.token
        return greet().catch((err) => req.log.warn({ err }, 'ws auth failed'))
      }
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
            client: publicClient(app, req.ip, token, caps),
          })
          // An answered message proves the conversation is this socket's: it hears the agents from now on.
          if (result.sessionToken) {
            token = result.sessionToken
            listen()
          }
          send({ type: 'reply', ...(msg.id ? { id: msg.id } : {}), ...result })
        } catch (err) {
          // The refusals a client can act on (no session token, caps) keep their code and message.
          const known = err as FastifyError
          if (known.statusCode && known.statusCode < 500 && known.code?.startsWith('ND_')) {
            return fail(known.code, known.message, msg.id)
          }
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
    }
    greet().catch((err) => req.log.warn({ err }, 'ws greeting failed'))
  })
}

export default wsChatRoutes
