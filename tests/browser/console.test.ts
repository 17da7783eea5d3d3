import { once } from 'node:events'
import path from 'node:path'
import type { FastifyInstance } from 'fastify'
import type { Browser } from 'playwright-core'
import WebSocket from 'ws'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createAccount } from '../../src/auth/accounts.js'
import { testConfig, chat, sessionToken } from '../helpers.js'
import { artifacts, hasChromium, launch, listeningApp } from './browser.js'

// In CI the browser tests must run (.ci/run installs chromium); elsewhere they need it installed.
const run = hasChromium || process.env.CI ? describe : describe.skip

run('agent console in a real browser', () => {
  let app: FastifyInstance
  let browser: Browser
  let base: string

  beforeAll(async () => {
    ;({ app, base } = await listeningApp(
      testConfig({ admin: { username: 'chief', password: 'night-shift-2026' } }),
    ))
    await createAccount(app.stores.agents, {
      username: 'nurse.li',
      displayName: '李护士',
      password: 'li-night-2026',
      role: 'agent',
    })
    browser = await launch()
  })
  afterAll(async () => {
    await browser?.close()
    await app?.close()
  })

  it('signs in, takes the urgent ticket first, replies into the patient conversation, hands back', async () => {
    await chat(app, 'browser-normal', '转人工')
    const urgent = await chat(app, 'browser-urgent', '我妈突然嘴歪了，说话不清楚')
    expect(urgent.handoff?.priority).toBe('urgent')

    // The patient is on the web widget's WebSocket and must see the agent's reply there.
    const token = encodeURIComponent(sessionToken(app, 'browser-urgent')!)
    const patient = new WebSocket(`${base.replace('http', 'ws')}/ws?sessionId=browser-urgent&token=${token}`)
    const received: Array<{ type: string; text?: string }> = []
    patient.on('message', (d) => received.push(JSON.parse(String(d))))
    await once(patient, 'open')

    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    await page.goto(`${base}/console`)
    await page.getByLabel('用户名').fill('nurse.li')
    await page.getByLabel('密码').fill('li-night-2026')
    await page.getByRole('button', { name: '登录', exact: true }).click()
    await page.getByText('实时连接正常').waitFor()

    const first = page.locator('#queue li button').first()
    await expect.poll(() => first.getAttribute('data-ticket')).toBe(urgent.handoff!.ticketId)
    await first.click()
    await page.getByText('我妈突然嘴歪了，说话不清楚').waitFor()
    await page.getByRole('button', { name: '接单', exact: true }).click()
    await page.getByLabel('回复患者').fill('我是值班护士，请立即拨打120，我们已通知急诊。')
    await page.getByRole('button', { name: '发送', exact: true }).click()
    await page.locator('#transcript li.agent').waitFor()
    // What the bot made of each message, in words a nurse reads, never the classifier's ids.
    const analysis = await page.locator('#transcript .analysis').allTextContents()
    expect(analysis.join(' ')).toContain('处理 转人工')
    expect(analysis.join(' ')).not.toMatch(/[a-z]+_[a-z]+|\bhandoff\b/)
    await page.screenshot({ path: path.join(artifacts, 'console.png'), fullPage: true })

    await expect
      .poll(() => received.find((m) => m.type === 'agent')?.text)
      .toBe('我是值班护士，请立即拨打120，我们已通知急诊。')
    await page.getByRole('button', { name: '交还智能助手' }).click()
    await expect.poll(() => received.some((m) => m.type === 'system')).toBe(true)
    expect((await app.stores.tickets.get(urgent.handoff!.ticketId))?.status).toBe('resolved')
    expect((await chat(app, 'browser-urgent', '心内科在几楼')).action).toBe('answer')
    patient.close()
  })

  it("tags an English-speaking patient's ticket and offers the quick replies in English", async () => {
    const english = await chat(app, 'browser-english', 'I want to talk to a real person please')
    expect(english.handoff?.ticketId).toBeTruthy()
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    await page.goto(`${base}/console`)
    await page.getByLabel('用户名').fill('nurse.li')
    await page.getByLabel('密码').fill('li-night-2026')
    await page.getByRole('button', { name: '登录', exact: true }).click()
    const item = page.locator(`#queue li button[data-ticket="${english.handoff!.ticketId}"]`)
    await expect.poll(() => item.textContent()).toContain('English')
    await item.click()
    await page.getByText('I want to talk to a real person please').waitFor()
    await expect.poll(() => page.locator('#canned').textContent()).toContain('Greeting')
    await page.getByRole('button', { name: '接单', exact: true }).click()
    await page.locator('#canned button', { hasText: 'Greeting' }).click()
    await expect.poll(() => page.getByLabel('回复患者').inputValue()).toContain('night staff')
  })
})
