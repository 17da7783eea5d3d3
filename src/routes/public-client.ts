import type { FastifyInstance } from 'fastify'
import type { PublicClient } from '../dialogue/bot.js'
import { QUEUE_TOPIC } from '../handoff/service.js'

const HOUR = 3_600_000

/** New conversations and new tickets one client IP may start in an hour (RATE_LIMIT=off: none). */
export interface ClientCaps {
  sessionsPerHour: number
  handoffsPerHour: number
}

/** The agents' console shows this once per address and hour when its tickets are refused. */
export interface FloodAlert {
  type: 'alert'
  kind: 'handoff_flood'
  ip: string
  limit: number
  at: string
  text: string
}

/**
 * A message from the HTTP API or the widget: its session token, and its IP's hourly caps, counted by
 * the storage (with Redis, across instances). Storage that cannot count lets the message through, as
 * the other limits do: refusing what may be an emergency is worse than a burst.
 */
export function publicClient(
  app: FastifyInstance,
  ip: string,
  token: string | undefined,
  caps: ClientCaps | undefined,
): PublicClient {
  const allowed = (key: string, max: number) =>
    app.stores.rates.hit(key, max, HOUR).then(
      (wait) => wait === 0,
      () => true,
    )
  return {
    token,
    startsSession: async () => !caps || allowed(`sessions:${ip}`, caps.sessionsPerHour),
    opensTicket: async () => {
      if (!caps || (await allowed(`handoffs:${ip}`, caps.handoffsPerHour))) return true
      // A flood reaches the agents as one alert an hour, not as a ticket per message.
      if (await allowed(`flood-alert:${ip}`, 1)) {
        const alert: FloodAlert = {
          type: 'alert',
          kind: 'handoff_flood',
          ip,
          limit: caps.handoffsPerHour,
          at: app.clock().toISOString(),
          text: `同一网络地址（${ip}）一小时内转人工已达 ${caps.handoffsPerHour} 次，之后的转人工请求已被拒绝（紧急情况不受限制，仍会提示拨打120并转给您）。可能是恶意刷单，请留意。`,
        }
        app.log.warn(
          { ip, limit: caps.handoffsPerHour },
          'handoff flood: further tickets from this address refused',
        )
        await app.stores.events
          .publish(QUEUE_TOPIC, alert)
          .catch((err: unknown) => app.log.warn({ err }, 'the flood alert did not reach the consoles'))
      }
      return false
    },
  }
}
