import { setTimeout as delay } from 'node:timers/promises'
import type { CachedToken, OaSharedState } from './shared-state.js'

/** WeChat's answer with a non-zero errcode (or an HTTP failure, as a negative status). */
export class WechatApiError extends Error {
  constructor(
    readonly errcode: number,
    errmsg: string,
  ) {
    super(`WeChat API error ${errcode}: ${errmsg}`)
  }
}

/** 45015: the patient wrote last more than 48 hours ago (or unfollowed): the account may not write. */
export const OUT_OF_WINDOW = 45015
// invalid credential, invalid access_token, access_token expired: a new token and one more try.
const TOKEN_REJECTED = new Set([40001, 40014, 42001])
/** How long one instance may hold the refresh before another asks WeChat itself. */
const REFRESH_LOCK_MS = 5_000
const WAIT_STEP_MS = 50
const CALL_TIMEOUT_MS = 10_000

export interface WechatApiOptions {
  apiBase: string
  appId: string
  appSecret: string
  state: OaSharedState
  /** The app's clock (ms): a token's expiry follows it. */
  now: () => number
}

/**
 * The Official Account's calls to WeChat: the access token and customer-service messages.
 *
 * The token comes from `cgi-bin/stable_token` in its normal mode, which gives every caller the same
 * token until the last 5 minutes of its life (so instances never invalidate each other's, as repeated
 * `cgi-bin/token` calls do). It is refreshed in those 5 minutes, one refresh at a time: in this
 * process one promise, across instances a lock in Redis while the others wait for the token it saves.
 */
export class WechatApi {
  private flight: Promise<string> | undefined
  private readonly base: string

  constructor(private readonly opts: WechatApiOptions) {
    this.base = opts.apiBase.endsWith('/') ? opts.apiBase : `${opts.apiBase}/`
  }

  async accessToken(): Promise<string> {
    const cached = await this.opts.state.token()
    if (cached && this.fresh(cached)) return cached.token
    this.flight ??= this.refresh(cached?.token).finally(() => {
      this.flight = undefined
    })
    // WeChat not answering a refresh: the token still works until it expires.
    return this.flight.catch((err: unknown) => {
      if (cached && this.opts.now() < cached.expiresAt) return cached.token
      throw err
    })
  }

  /** A customer-service text message (客服消息): allowed within 48 hours of the patient's last message. */
  async sendText(openid: string, content: string): Promise<void> {
    const message = { touser: openid, msgtype: 'text', text: { content } }
    const token = await this.accessToken()
    try {
      await this.call(`cgi-bin/message/custom/send?access_token=${encodeURIComponent(token)}`, message)
    } catch (err) {
      if (!(err instanceof WechatApiError && TOKEN_REJECTED.has(err.errcode))) throw err
      await this.opts.state.dropToken(token)
      const renewed = await this.accessToken()
      await this.call(`cgi-bin/message/custom/send?access_token=${encodeURIComponent(renewed)}`, message)
    }
  }

  // Refreshed in the token's last 5 minutes (when stable_token hands out the next one), or half-way
  // through a token given with less than 10 minutes to live.
  private fresh(token: CachedToken): boolean {
    return this.opts.now() < token.refreshAt
  }

  private async refresh(stale: string | undefined): Promise<string> {
    const { state } = this.opts
    if (!(await state.lockRefresh(REFRESH_LOCK_MS))) {
      const giveUp = Date.now() + REFRESH_LOCK_MS
      while (Date.now() < giveUp) {
        await delay(WAIT_STEP_MS)
        const saved = await state.token()
        if (saved && saved.token !== stale && this.fresh(saved)) return saved.token
      }
      // The holder did not finish in time: ask WeChat too (the normal mode hands out the same token).
    }
    try {
      const body = await this.call('cgi-bin/stable_token', {
        grant_type: 'client_credential',
        appid: this.opts.appId,
        secret: this.opts.appSecret,
        force_refresh: false,
      })
      const token = String(body.access_token ?? '')
      const lifetime = Number(body.expires_in) * 1000
      if (!token || !(lifetime > 0)) throw new WechatApiError(-1, 'no access_token in the answer')
      const now = this.opts.now()
      const cached = {
        token,
        expiresAt: now + lifetime,
        refreshAt: now + lifetime - Math.min(300_000, lifetime / 2),
      }
      await state.saveToken(cached, lifetime)
      return token
    } finally {
      await state.unlockRefresh()
    }
  }

  private async call(path: string, body: unknown): Promise<Record<string, unknown>> {
    const res = await fetch(new URL(path, this.base), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
    })
    if (!res.ok) throw new WechatApiError(-res.status, `HTTP ${res.status}`)
    const answer = (await res.json()) as Record<string, unknown>
    if (answer.errcode) throw new WechatApiError(Number(answer.errcode), String(answer.errmsg ?? ''))
    return answer
  }
}
