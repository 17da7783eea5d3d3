import { execFile } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import path from 'node:path'
import { promisify } from 'node:util'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.js'
import { LIMITS } from '../../src/knowledge-base/limits.js'
import { readKnowledgeSource } from '../../src/knowledge-base/load.js'
import { loadConfig } from '../../src/config.js'
import { openEmbeddedStores } from '../../src/storage/embedded.js'
import { signIn, tempDir, testConfig } from '../helpers.js'

// Hostile or mistaken admin input (issue 17): uploads are bounded, ids cannot become paths, exports
// cannot carry formulas, and a publish that removes most intents needs a confirmation.
let app: FastifyInstance
let auth: { authorization: string }

beforeAll(async () => {
  app = await buildApp(testConfig({ admin: { username: 'input.admin', password: 'bounded-2026' } }), {
    logger: false,
  })
  await app.ready()
  auth = await signIn(app, 'input.admin', 'bounded-2026')
})
afterAll(async () => {
  await app?.close()
})

const exported = async () =>
  (await app.inject({ method: 'GET', url: '/api/admin/knowledge/export', headers: auth })).json()
    .files as Record<string, string>
const importFiles = (files: Record<string, string>) =>
  app.inject({ method: 'POST', url: '/api/admin/knowledge/import', headers: auth, payload: { files } })
const importCsv = (table: string, body: string) =>
  app.inject({
    method: 'PUT',
    url: `/api/admin/knowledge/import/${table}`,
    headers: { ...auth, 'content-type': 'text/csv' },
    payload: body,
  })
const exportCsv = async (table: string) =>
  (await app.inject({ method: 'GET', url: `/api/admin/knowledge/export/${table}`, headers: auth })).body

describe('YAML uploads', () => {
  it('refuses aliases that repeat a list (a "billion laughs" of 9^6 nodes in 500 bytes)', async () => {
    let bomb = 'lol0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n'
    for (let i = 1; i <= 6; i++) {
      bomb += `lol${i}: &l${i} [${Array(9)
        .fill(`*l${i - 1}`)
        .join(', ')}]\n`
    }
    const files = await exported()
    files['knowledge/hospital.yaml'] += `\nextra:\n${bomb.replace(/^/gm, '  ')}`
    const res = await importFiles(files)
    expect(res.statusCode).toBe(422)
    expect(res.json().error.details.join('\n')).toContain('knowledge/hospital.yaml: YAML 别名')
  })

  it('refuses an upload over the size limit with 413 and a message saying the limit', async () => {
    const files = await exported()
    files['knowledge/notes.yaml'] = `note: ${'很长的说明'.repeat(LIMITS.importBytes / 10)}`
    const res = await importFiles(files)
    expect(res.statusCode).toBe(413)
    expect(res.json().error).toEqual({
      code: 'ND_IMPORT_TOO_LARGE',
      message: expect.stringContaining(`上限 ${LIMITS.importBytes / 1024} KB`),
    })
  })

  it('refuses an intent id that is a path ("../../x"), in YAML and in CSV', async () => {
    const files = await exported()
    files['intents/zh/evil.yaml'] = 'intent: ../../x\nexamples: [怎么走]\n'
    const yaml = await importFiles(files)
    expect(yaml.statusCode).toBe(422)
    expect(yaml.json().error.details.join('\n')).toContain('编号 "../../x" 不可用')

    const csv = await importCsv('intents', `${await exportCsv('intents')}../../x,怎么走\r\n`)
    expect(csv.statusCode).toBe(422)
    expect(csv.json().error.details.join('\n')).toContain('编号 "../../x" 不可用')
  })
})

describe('CSV uploads', () => {
  it('refuses a table of more rows than the limit (a 145,000-row CSV was accepted)', async () => {
    const rows = Array.from({ length: LIMITS.csvRows + 1 }, (_, i) => `wifi,问题${i}`)
    const res = await importCsv('intents', `intent,example\r\n${rows.join('\r\n')}\r\n`)
    expect(res.statusCode).toBe(422)
    expect(res.json().error.details).toEqual([
      `intents.csv: 有 ${LIMITS.csvRows + 1} 行，超过上限 ${LIMITS.csvRows} 行；请分几次导入，或删去重复的行`,
    ])
  })

  it('refuses a table over the size limit with 413', async () => {
    const res = await importCsv('intents', `intent,example\r\nwifi,${'长'.repeat(LIMITS.csvBytes)}\r\n`)
    expect(res.statusCode).toBe(413)
    expect(res.json().error.code).toBe('ND_IMPORT_TOO_LARGE')
  })

  it("exports a patient's formula-like text as text, and reads it back unchanged", async () => {
    const hostile = ["=cmd|' /C calc'!A0", '+1+1', '-2+3', '@SUM(1,1)', '\t=1+1']
    for (const text of hostile) {
      const res = await app.inject({
        method: 'POST',
        url: '/api/admin/unanswered/add-example',
        headers: auth,
        payload: { text, intent: 'wifi' },
      })
      expect(res.statusCode).toBe(200)
    }
    const csv = await exportCsv('intents')
    const cells = csv.split('\r\n').map((l) => l.slice(l.indexOf(',') + 1))
    for (const cell of cells) expect(cell).not.toMatch(/^"?[=+\-@\t\r]/)
    expect(csv).toContain(`wifi,'=cmd|' /C calc'!A0\r\n`)
    expect(csv).toContain(`wifi,"'@SUM(1,1)"\r\n`)

    expect((await importCsv('intents', csv)).statusCode).toBe(200)
    const draft = (await app.inject({ method: 'GET', url: '/api/admin/knowledge', headers: auth })).json()
    const wifi = draft.draft.source.intents.find((i: { id: string }) => i.id === 'wifi')
    expect(wifi.examples).toEqual(expect.arrayContaining(hostile))
  })
})

describe('publishing', () => {
  it('refuses a publish that removes more than half of the intents unless the admin confirms it', async () => {
    const source = (await app.inject({ method: 'GET', url: '/api/admin/knowledge', headers: auth })).json()
      .draft.source
    const kept = source.intents.filter((i: { id: string }) => ['wifi', 'parking'].includes(i.id))
    const edit = await app.inject({
      method: 'PUT',
      url: '/api/admin/knowledge/draft/intents',
      headers: auth,
      payload: { value: kept },
    })
    expect(edit.statusCode).toBe(200)
    const publish = (body: object) =>
      app.inject({ method: 'POST', url: '/api/admin/knowledge/publish', headers: auth, payload: body })

    const refused = await publish({ note: 'CSV of two intents' })
    expect(refused.statusCode).toBe(409)
    expect(refused.json().error.code).toBe('ND_CONFIRMATION_REQUIRED')
    expect(refused.json().error.message).toContain(`会删去线上 ${source.intents.length} 个意图中的`)
    expect(
      (await app.inject({ method: 'GET', url: '/api/admin/knowledge/versions', headers: auth })).json(),
    ).toEqual({ versions: [] })

    const confirmed = await publish({ note: 'on purpose', confirmRemovals: true })
    expect(confirmed.statusCode).toBe(200)
    expect(confirmed.json().version).toBe(1)
  })
})

describe('scripts/knowledge-files', () => {
  it('writes nothing outside its folder, even for a version stored with an id that is a path', async () => {
    const dataDir = tempDir('nd-kf-')
    const stores = openEmbeddedStores(dataDir)
    const config = loadConfig({})
    const source = readKnowledgeSource(config.knowledgeDir, config.intentsDir)
    // intents/zh/../../../escaped.yaml is one folder above OUT_DIR.
    source.intents.push({ id: '../../../escaped', description: '', examples: ['怎么走'] })
    await stores.knowledge.publish({ author: 'old-release', at: '2026-01-01T00:00:00Z', changes: [], source })
    await stores.close()

    const out = path.join(tempDir('nd-kf-out-'), 'a', 'b')
    const script = path.resolve(import.meta.dirname, '../../dist/scripts/knowledge-files.js')
    const run = promisify(execFile)(process.execPath, [script, out], {
      env: { ...process.env, DATA_DIR: dataDir, REDIS_URL: '' },
    })
    await expect(run).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('refused') })
    expect(existsSync(path.join(out, '..', 'escaped.yaml'))).toBe(false)
    expect(existsSync(out) ? readdirSync(out) : []).toEqual([])
  })
})
