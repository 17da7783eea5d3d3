import path from 'node:path'
import type { FastifyInstance } from 'fastify'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.js'
import { chat, testClock, testConfig, type TestClock } from '../helpers.js'
import { artifacts, hasChromium, launch, listeningApp } from './browser.js'

const at = (hhmm: string) => `2026-11-20T${hhmm}:00+08:00`
/** The app lives on Friday 2026-11-20 (hospital time), whatever day the tests run. */
const onSeedDay = () => testClock(at('00:00'))

/** A seeded night and day of conversations on that Friday, each message at its time on the app's clock. */
async function seedDay(app: FastifyInstance, clock: TestClock) {
  const script: Array<[string, string, string]> = [
    ['d1', '心内科在几楼', '00:10'],
    ['d1', '那眼科呢', '00:11'],
    ['d2', '做胃镜要空腹吗', '01:30'],
    ['d3', '现在哪里能拿药', '02:05'],
    ['d4', '探视时间是几点', '08:40'],
    ['d5', '停车怎么收费', '09:15'],
    ['d6', '今天天气怎么样', '10:00'],
    ['d7', '转人工', '11:20'],
    ['d8', '收费处多收了我两百块钱，我要投诉', '14:00'],
    ['d9', '护士态度太差了', '15:30'],
    ['d10', '我爸胸口剧痛喘不上气', '22:40'],
    ['d11', '抽血前能喝水吗', '23:10'],
    ['d11', '谢谢', '23:11'],
    ['d11', '5', '23:12'],
    ['d12', '你好', '23:30'],
    ['d12', '再见', '23:31'],
    ['d12', '2分', '23:32'],
  ]
  for (const [session, text, hhmm] of script) {
    clock.set(at(hhmm))
    await chat(app, session, text)
  }
  clock.set(at('23:59'))
}

describe('dashboard figures', () => {
  let app: FastifyInstance
  beforeAll(async () => {
    const clock = onSeedDay()
    app = await buildApp(testConfig({ admin: { username: 'dash.admin', password: 'dashboard-2026' } }), {
      logger: false,
      clock,
    })
    await app.ready()
    await seedDay(app, clock)
  })
  afterAll(async () => {
    await app?.close()
  })

  it('counts messages by hour, outcomes, satisfaction and complaints for the date range, and exports CSV', async () => {
    const token = (
      await app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { username: 'dash.admin', password: 'dashboard-2026' },
      })
    ).json().token
    const q = `from=${encodeURIComponent('2026-11-20T00:00:00+08:00')}&to=${encodeURIComponent('2026-11-21T00:00:00+08:00')}`
    const d = (
      await app.inject({
        method: 'GET',
        url: `/api/admin/dashboard?${q}`,
        headers: { authorization: `Bearer ${token}` },
      })
    ).json()
    expect(d.messages).toBe(17)
    expect(d.messagesByHour[23]).toBe(6)
    expect(d.messagesByHour[0]).toBe(2)
    expect(d.satisfaction).toMatchObject({ 2: 1, 5: 1 })
    expect(d.complaints.billing).toBe(1)
    expect(d.handoffs.byPriority.urgent).toBe(1)
    expect(d.actions.answer).toBeGreaterThanOrEqual(8)
    expect(d.nightResponse.nightMessages).toBeGreaterThan(0)
    const csv = await app.inject({
      method: 'GET',
      url: `/api/admin/dashboard.csv?${q}`,
      headers: { authorization: `Bearer ${token}` },
    })
    expect(csv.body).toContain('messages,total,17')
    const empty = (
      await app.inject({
        method: 'GET',
        url: `/api/admin/dashboard?from=2020-01-01T00:00:00Z&to=2020-01-02T00:00:00Z`,
        headers: { authorization: `Bearer ${token}` },
      })
    ).json()
    expect(empty.messages).toBe(0)
  })
})

const run = hasChromium || process.env.CI ? describe : describe.skip

run('dashboard in a real browser', () => {
  let app: FastifyInstance
  let browser: Browser
  let base: string
  beforeAll(async () => {
    const clock = onSeedDay()
    ;({ app, base } = await listeningApp(
      testConfig({ admin: { username: 'dash.web', password: 'dashboard-web-2026' } }),
      { clock },
    ))
    await seedDay(app, clock)
    browser = await launch()
  })
  afterAll(async () => {
    await browser?.close()
    await app?.close()
  })

  it('renders the charts for a seeded day', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1100 } })
    await page.goto(`${base}/admin`)
    await page.getByLabel('用户名').fill('dash.web')
    await page.getByLabel('密码').fill('dashboard-web-2026')
    await page.getByRole('button', { name: '登录', exact: true }).click()
    // Hold the page's script until the dates are typed: the page must keep what a person typed first.
    let releaseScript = () => {}
    const scriptHeld = new Promise<void>((resolve) => {
      releaseScript = resolve
    })
    await page.route('**/admin/dashboard.js', async (route) => {
      await scriptHeld
      await route.continue()
    })
    await page.getByRole('link', { name: '运营看板' }).click()
    await page.getByLabel('从').fill('2026-11-20')
    await page.getByLabel('到').fill('2026-11-20')
    releaseScript()
    await expect.poll(() => page.locator('#kpi-messages').textContent()).toBe('17')
    expect(await page.getByLabel('从').inputValue()).toBe('2026-11-20')
    await page.getByLabel('从').fill('2020-01-01')
    await page.getByLabel('到').fill('2020-01-01')
    await page.getByRole('button', { name: '刷新' }).click()
    await expect.poll(() => page.locator('#kpi-messages').textContent()).toBe('0')
    await page.getByLabel('从').fill('2026-11-20')
    await page.getByLabel('到').fill('2026-11-20')
    await page.getByRole('button', { name: '刷新' }).click()
    await expect.poll(() => page.locator('#kpi-messages').textContent()).toBe('17')
    await expect.poll(() => page.locator('.chart canvas').count()).toBe(6)
    expect(await page.locator('#kpi-night').textContent()).toMatch(/%（目标 90%）/)
    await page.waitForTimeout(300)
    await page.screenshot({ path: path.join(artifacts, 'dashboard.png'), fullPage: true })
  })
})
