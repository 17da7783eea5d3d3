import path from 'node:path'
import type { FastifyInstance } from 'fastify'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chat, testConfig } from '../helpers.js'
import { createAccount } from '../../src/auth/accounts.js'
import { artifacts, hasChromium, launch, listeningApp } from './browser.js'

const run = hasChromium || process.env.CI ? describe : describe.skip

run('knowledge admin page in a real browser', () => {
  let app: FastifyInstance
  let browser: Browser
  let base: string

  beforeAll(async () => {
    ;({ app, base } = await listeningApp(
      testConfig({ admin: { username: 'web.admin', password: 'admin-web-2026' } }),
    ))
    browser = await launch()
  })
  afterAll(async () => {
    await browser?.close()
    await app?.close()
  })

  it('changes 心内科 floor, tries it in the draft, publishes, and the chat answers the new floor', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } })
    await page.goto(`${base}/admin`)
    await page.getByLabel('用户名').fill('web.admin')
    await page.getByLabel('密码').fill('admin-web-2026')
    await page.getByRole('button', { name: '登录', exact: true }).click()

    // An invalid edit first: the page shows the field error and nothing is saved.
    await page.getByLabel('心血管内科 别名').fill('心内科、骨科')
    await page.getByRole('button', { name: '保存到草稿' }).first().click()
    await expect
      .poll(() => page.locator('#errors').textContent())
      .toContain('alias "骨科" is used by both place cardiology and place orthopedics')

    await page.reload()
    await page.getByLabel('心血管内科 楼层').fill('9')
    await page.getByRole('button', { name: '保存到草稿' }).first().click()
    await expect.poll(() => page.locator('#errors').textContent()).toContain('floor: 2 → 9')

    await page.getByLabel('问题', { exact: true }).fill('心内科在几楼')
    await page.getByRole('button', { name: '试问' }).click()
    await expect.poll(() => page.locator('#try-draft').textContent()).toContain('9楼')
    expect(await page.locator('#try-live').textContent()).toContain('2楼')
    await page.screenshot({ path: path.join(artifacts, 'admin-draft.png') })

    await page.getByLabel('发布说明').fill('心内科搬到9楼')
    await page.getByRole('button', { name: '发布草稿' }).click()
    let asked = 0
    await expect
      .poll(async () => (await chat(app, `admin-web-${++asked}`, '心内科在几楼')).reply)
      .toContain('9楼')
    await expect.poll(() => page.locator('#version').textContent()).toContain('线上版本 1')

    await page.getByRole('button', { name: '版本与审计' }).click()
    await expect.poll(() => page.locator('#audit').textContent()).toContain('publish')
    expect(await page.locator('#audit').textContent()).toContain('edit-rejected')
  })
  it('shows an account locked after wrong passwords and lifts it', async () => {
    await createAccount(app.stores.agents, {
      username: 'nurse.wang',
      displayName: '王护士',
      password: 'wang-night-2026',
      role: 'agent',
    })
    const login = (password: string) =>
      app.inject({
        method: 'POST',
        url: '/api/auth/login',
        remoteAddress: '10.0.0.9',
        payload: { username: 'nurse.wang', password },
      })
    for (let i = 0; i < 10; i++) await login('wrong-password')
    expect((await login('wang-night-2026')).statusCode).toBe(429)

    const page = await browser.newPage({ viewport: { width: 1400, height: 700 } })
    await page.goto(`${base}/admin`)
    await page.getByLabel('用户名').fill('web.admin')
    await page.getByLabel('密码').fill('admin-web-2026')
    await page.getByRole('button', { name: '登录', exact: true }).click()
    await page.getByRole('button', { name: '登录锁定' }).click()
    await page.getByText('10.0.0.9').waitFor()
    await page.screenshot({ path: path.join(artifacts, 'admin-lockouts.png') })
    await page.getByRole('button', { name: '解除 nurse.wang 在 10.0.0.9 的登录锁定' }).click()
    await page.getByText('现在没有被锁定的账号。').waitFor()
    expect((await login('wang-night-2026')).statusCode).toBe(200)
  })
})
