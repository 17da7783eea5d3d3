import path from 'node:path'
import type { FastifyInstance } from 'fastify'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.js'
import type { Config } from '../../src/config.js'
import { testConfig } from '../helpers.js'
import { artifacts, hasChromium, launch } from './browser.js'

const run = hasChromium || process.env.CI ? describe : describe.skip

run('web widget in a real browser', () => {
  let config: Config
  let app: FastifyInstance
  let browser: Browser
  let base: string
  let port: number

  async function start() {
    app = await buildApp(config, { logger: false })
    await app.listen({ host: '127.0.0.1', port })
    const addr = app.server.address()
    port = typeof addr === 'object' && addr ? addr.port : 0
    base = `http://127.0.0.1:${port}`
  }

  beforeAll(async () => {
    config = testConfig()
    port = 0
    await start()
    browser = await launch()
  })
  afterAll(async () => {
    await browser?.close()
    await app?.close()
  })

  /** The demo site with the widget opened, on a phone-sized page if asked, the language chosen before if given. */
  async function openWidget(options: { phone?: boolean; storedLang?: string } = {}) {
    const page = await browser.newPage(options.phone ? { viewport: { width: 360, height: 740 } } : {})
    await page.goto(`${base}/`)
    if (options.storedLang) {
      await page.evaluate((lang) => localStorage.setItem('nd-lang', lang), options.storedLang)
    }
    await page.getByRole('button', { name: '在线咨询' }).click()
    return page
  }

  it('answers, offers suggestions, restores history after a reload, shows a handoff, reconnects after a restart', async () => {
    const page = await openWidget({ phone: true })
    const box = page.getByLabel('输入您的问题')
    await box.fill('心内科在几楼')
    await page.getByRole('button', { name: '发送', exact: true }).click()
    const log = page.getByRole('log')
    await expect.poll(() => log.textContent()).toContain('门诊楼2楼')

    // A suggestion is a button: tapping it asks the question.
    await page.getByRole('button', { name: '心内科几点开？' }).click()
    await expect.poll(() => log.textContent()).toContain('13:30-17:00')
    await page.screenshot({ path: path.join(artifacts, 'widget-mobile.png') })

    // The host page's CSS (red 40px buttons) does not reach into the widget.
    const sendColor = await page
      .getByRole('button', { name: '发送', exact: true })
      .evaluate((b) => getComputedStyle(b).backgroundColor)
    expect(sendColor).not.toBe('rgb(255, 0, 0)')

    await page.reload()
    await expect.poll(() => page.getByRole('log').textContent()).toContain('心内科在几楼')

    await page.getByLabel('输入您的问题').fill('转人工')
    await page.getByRole('button', { name: '发送', exact: true }).click()
    await expect.poll(() => page.getByRole('status').first().textContent()).toContain('已转人工')

    // The server goes away and comes back on the same port and data: the widget reconnects by itself.
    await app.close()
    await expect
      .poll(() => page.getByRole('status').first().textContent(), { timeout: 10_000 })
      .toContain('网络连接中断')
    await start()
    await expect
      .poll(() => page.getByRole('status').first().textContent(), { timeout: 15_000 })
      .toContain('已重新连接')
    await expect
      .poll(() => page.getByRole('status').first().textContent(), { timeout: 5_000 })
      .toContain('已转人工')
    await page.getByLabel('输入您的问题').fill('还在吗')
    await page.getByRole('button', { name: '发送', exact: true }).click()
    await expect.poll(() => page.getByRole('log').textContent()).toContain('请稍候')
    await page.screenshot({ path: path.join(artifacts, 'widget-reconnected.png') })
    // Its waits add up to ~35 s on a loaded machine (a restart and three polls with their own
    // deadlines): the default 30 s would cut it short, and the tests after it would find no server.
  }, 120_000)

  it('renders patient text as text, never as HTML', async () => {
    const page = await openWidget()
    await page.getByLabel('输入您的问题').fill('<img src=x onerror="window.pwned=1">心内科在几楼')
    await page.getByRole('button', { name: '发送', exact: true }).click()
    await expect.poll(() => page.getByRole('log').textContent()).toContain('<img src=x')
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined()
  })

  it('switches to English: the widget, the reply and its suggestions in English, from the same facts', async () => {
    const page = await openWidget({ phone: true })
    await page.getByRole('button', { name: 'English' }).click()
    const box = page.getByLabel('Type your question')
    await box.fill('Where is cardiology?')
    await page.getByRole('button', { name: 'Send', exact: true }).click()
    const log = page.getByRole('log')
    await expect.poll(() => log.textContent()).toContain('Outpatient Building 2F')
    await page.getByRole('button', { name: /^When does .+ open\?$/ }).waitFor({ state: 'visible' })
    await page.screenshot({ path: path.join(artifacts, 'widget-english.png') })

    // An English message with the switch on 中文: the widget follows the patient's language.
    const other = await openWidget({ storedLang: 'zh' })
    await other.getByLabel('输入您的问题').fill('I have severe chest pain')
    await other.getByRole('button', { name: '发送', exact: true }).click()
    await expect.poll(() => other.getByRole('log').textContent()).toContain('Call 120 now')
    await other.getByRole('button', { name: 'Send', exact: true }).waitFor({ state: 'visible' })
  })
})
