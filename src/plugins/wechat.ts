import fp from 'fastify-plugin'
import type { Config } from '../config.js'
import type { WechatChannel } from '../channels/wechat.js'
import { requireRole } from '../routes/agent/auth-hook.js'
import { Errors } from '../errors.js'
import { Type } from '@sinclair/typebox'

const WechatState = Type.Object({
  state: Type.String({ description: 'off, starting, scan (a QR code waits), online or offline' }),
  user: Type.Optional(Type.String()),
  at: Type.Optional(Type.String()),
  qrcodeAvailable: Type.Optional(Type.Boolean()),
})

declare module 'fastify' {
  interface FastifyInstance {
    wechat?: WechatChannel
  }
}

/**
 * WeChat through wechaty, in the same process, off unless WECHATY_PUPPET is set (or a puppet is
 * injected, as tests do with wechaty-puppet-mock). Its status and login QR code are for agents/admins.
 */
export default fp<{ config: Config; puppet?: unknown }>(
  async (app, { config, puppet }) => {
    const chosen = puppet ?? config.wechat.puppet
    app.register(async (scope) => {
      scope.addHook('onRequest', requireRole('agent', 'admin'))
      scope.get(
        '/api/agent/channels',
        {
          schema: {
            tags: ['agent'],
            summary: 'Channel status (WeChat login state)',
            // Open: each channel adds its own status here.
            response: { 200: Type.Object({ wechat: WechatState }, { additionalProperties: true }) },
          },
        },
        async () => ({
          wechat: app.wechat
            ? { ...app.wechat.status, qrcode: undefined, qrcodeAvailable: !!app.wechat.status.qrcode }
            : { state: 'off' },
        }),
      )
      scope.get('/api/agent/channels/wechat/qrcode.svg', { schema: { hide: true } }, async (_req, reply) => {
        const qrcode = app.wechat?.status.qrcode
        if (!qrcode) throw new Errors.NotFound('no WeChat login is waiting for a scan')
        reply.type('image/svg+xml')
        // Loaded on first use: rarely asked for, ~35 ms of start-up otherwise.
        const { default: QRCode } = await import('qrcode')
        return QRCode.toString(qrcode, { type: 'svg', margin: 2, width: 256 })
      })
    })
    if (!chosen) return
    // wechaty takes ~0.8 s to load: only when WeChat is configured.
    const { WechatChannel } = await import('../channels/wechat.js')
    const channel = new WechatChannel({
      puppet: chosen,
      bot: app.bot,
      events: app.stores.events,
      log: app.log.child({ channel: 'wechat' }),
      textOnlyReply: app.brain().composer.text('phrases', 'textOnly'),
    })
    app.decorate('wechat', channel)
    app.addHook('onReady', async () => {
      await channel.start()
    })
    app.addHook('onClose', async () => {
      await channel.stop()
    })
  },
  { name: 'wechat', dependencies: ['stores', 'brain'] },
)
